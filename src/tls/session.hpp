// One connection's TLS, sans-IO: ciphertext in, plaintext out and back,
// ciphertext out, over memory queues (tls/queue_bio.hpp) and never a socket,
// in the style of core/echo_stream.hpp. The engine moves the bytes; this
// decides what they mean. It is the transform stage of a connection on a
// tls:// listener, and the client side of echo-client and echo-bench.
//
// A driver's turn, on any engine (docs/tls.md has the whole picture):
//   1. ciphertext from the socket -> take_ciphertext() (or recv straight into
//      ciphertext_buffer(), then ciphertext_received(n)); the FIN -> received_fin()
//   2. until handshake_done(): handshake(); a failure's reason is error()
//   3. read_plaintext() into the echo buffer, write_plaintext() it back
//   4. pending_ciphertext() -> send -> consumed_ciphertext(n) (a send that
//      completes later: begin_send() -> end_send(n)), after EVERY
//      call above: a handshake flight, an alert, TLS 1.3 session tickets (the
//      server writes them as its handshake completes) and KeyUpdate answers
//      appear there without any plaintext being written
//   5. input already held -- has_pending_input() -- is read at once, not
//      after the next readiness event: the socket will not signal it again
//   6. idle (nothing held): release_idle_buffers()
//
// Bounds. OpenSSL decrypts whole records only, so the inbound queue holds up
// to one largest record (TlsBounds::inbound_bytes, at least
// kMaxRecordCiphertextBytes) and take_ciphertext() takes no more: what is
// left stays in the socket, which is the backpressure. write_plaintext()
// encrypts only while under TlsBounds::outbound_bytes wait to be sent, one
// record at a time, so at most outbound_bytes + one record are queued (plus
// any handshake flight, which always goes in). Inside OpenSSL at most one
// record's plaintext waits to be read. Idle, with SSL_MODE_RELEASE_BUFFERS
// and the queues released, a session holds only OpenSSL's per-connection
// state (measured in tests/unit/tls_memory_test.cpp).
//
// Not thread-safe: one session belongs to one loop (or connection thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "tls/context.hpp"
#include "tls/handles.hpp"

namespace echo::tls {

struct CiphertextQueues;

// One record's most plaintext (RFC 8446 5.1), and the most ciphertext a peer
// may send in one (TLS 1.2 allows 2048 bytes of expansion) with its header.
inline constexpr std::size_t kMaxRecordPlaintextBytes = 16384;
inline constexpr std::size_t kMaxRecordCiphertextBytes = 5 + 16384 + 2048;

struct TlsBounds {
  std::size_t inbound_bytes = kMaxRecordCiphertextBytes;  // raised to at least that
  std::size_t outbound_bytes = kMaxRecordPlaintextBytes;  // at least 1
};

enum class HandshakeStatus : std::uint8_t { in_progress, done, failed };

enum class ReadStatus : std::uint8_t {
  data,          // `bytes` of plaintext were read (maybe more are held: read again)
  want_more,     // nothing to read until more ciphertext arrives
  close_notify,  // the peer's close_notify: the end of its input (sticky)
  truncated,     // the peer's FIN without close_notify (sticky)
  failed,        // a TLS error: see error() (sticky)
};

struct ReadResult {
  ReadStatus status = ReadStatus::want_more;
  std::size_t bytes = 0;
};

const char* to_string(HandshakeStatus status);
const char* to_string(ReadStatus status);

class TlsSession {
 public:
  // The server side of a connection accepted on a TLS listener.
  static TlsSession accept(const TlsContext& server, const TlsBounds& bounds = {});
  // The client side. server_name is sent as SNI and, when the context
  // verifies, must be in the server's certificate; an IP literal is checked
  // against the certificate's IP addresses and not sent (RFC 6066 3); empty:
  // neither. resume: a saved_session() of an earlier connection to offer.
  static TlsSession connect(const TlsContext& client, std::string_view server_name,
                            const SslSessionPtr* resume = nullptr, const TlsBounds& bounds = {});

  TlsSession(TlsSession&&) noexcept;
  TlsSession& operator=(TlsSession&&) noexcept;
  ~TlsSession();

  // --- Ciphertext in.
  // Copies what fits of bytes into the inbound queue; returns how many were
  // taken (fewer than given when the queue is full: offer the rest later).
  // After the peer's close_notify or a failure, everything is taken and
  // dropped: nothing would read it.
  std::size_t take_ciphertext(std::span<const std::byte> bytes);
  // The room left in the inbound queue, to recv into directly (allocating the
  // queue if need be); empty when full. Then ciphertext_received(n).
  std::span<std::byte> ciphertext_buffer();
  void ciphertext_received(std::size_t n) noexcept;
  // The peer's FIN: once what was taken is read, the stream ends there.
  void received_fin() noexcept;

  // --- Progress.
  // Runs the handshake as far as the ciphertext taken allows.
  HandshakeStatus handshake();
  // Plaintext into out (not empty), as much as is held; runs the handshake
  // first while it is unfinished (want_more until it is done).
  ReadResult read_plaintext(std::span<std::byte> out);
  // Encrypts a prefix of plaintext into the outbound queue, one record at a
  // time while less than outbound_bytes wait there; returns the bytes taken
  // (0: the queue is full -- send first -- or the session cannot write: before
  // the handshake is done, after a failure or after send_close_notify()).
  std::size_t write_plaintext(std::span<const std::byte> plaintext);
  // Queues our close_notify (once; after the handshake, without a failure):
  // then send what is pending and FIN. Reading may go on. False if not sent.
  bool send_close_notify();

  // --- Ciphertext out.
  // What to send now; valid until the next call that may write (any but the
  // queries), so a readiness engine sends it at once.
  std::span<const std::byte> pending_ciphertext() const noexcept;
  void consumed_ciphertext(std::size_t n) noexcept;
  // A completion engine's send: the span stays valid, whatever the session
  // writes meanwhile, until end_send() reports how much of it went.
  std::span<const std::byte> begin_send() noexcept;
  void end_send(std::size_t sent) noexcept;

  // --- Holding and idling.
  // Ciphertext taken and not yet decrypted, or plaintext decrypted and not
  // yet read: read_plaintext() has something to do without new input. False
  // after read_plaintext() returned want_more.
  bool has_pending_input() const noexcept;
  // Ciphertext queued both ways: what counts towards a connection's bound.
  std::size_t ciphertext_held() const noexcept;
  // Bytes the queues have allocated (0 once released).
  std::size_t queue_capacity() const noexcept;
  // Gives back each queue that is empty (OpenSSL frees its own record buffers
  // as they empty, SSL_MODE_RELEASE_BUFFERS); the next use allocates again.
  void release_idle_buffers() noexcept;

  // --- What was agreed, and how it went.
  bool is_server() const noexcept { return server_; }
  bool handshake_done() const noexcept { return handshake_ == HandshakeStatus::done; }
  bool failed() const noexcept {
    return handshake_ == HandshakeStatus::failed || end_ == ReadStatus::failed;
  }
  bool peer_sent_close_notify() const noexcept { return end_ == ReadStatus::close_notify; }
  bool peer_truncated() const noexcept { return end_ == ReadStatus::truncated; }
  bool close_notify_sent() const noexcept { return close_notify_sent_; }
  // Why the handshake or the stream failed, one line ("certificate verify
  // failed: certificate has expired", "tlsv1 alert unknown ca"); empty if not.
  const std::string& error() const noexcept { return error_; }
  bool resumed() const noexcept;
  std::string_view protocol_version() const noexcept;  // "TLSv1.3"; "" before the handshake
  std::string_view cipher() const noexcept;            // "TLS_AES_256_GCM_SHA384"
  std::string_view alpn() const noexcept;              // the protocol agreed; "" for none
  std::string_view server_name() const noexcept;       // SNI ("" when none was sent)
  // The peer certificate's subject, RFC 2253 ("CN=client,O=echo"); "" without one.
  std::string peer_subject() const;
  // A client's session to offer on its next connection (connect's resume), a
  // copy that stays resumable however this connection ends; null when there
  // is none yet or it cannot be resumed. TLS 1.3 tickets arrive after the
  // handshake: read_plaintext() once they are in.
  SslSessionPtr saved_session() const;
  SSL* native_handle() const noexcept { return ssl_.get(); }

 private:
  TlsSession(const TlsContext& context, bool server, const TlsBounds& bounds);
  ReadResult end_read(ReadStatus status, std::size_t bytes);
  void fail_handshake(int ssl_error);
  std::string describe_failure(int ssl_error) const;

  TlsContext context_;                        // kept alive while the SSL uses it
  std::unique_ptr<CiphertextQueues> queues_;  // stable: the BIO points at it
  SslPtr ssl_;                                // after queues_, so freed before them
  std::string error_;
  std::size_t inbound_bytes_;
  std::size_t outbound_bytes_;
  HandshakeStatus handshake_ = HandshakeStatus::in_progress;
  ReadStatus end_ = ReadStatus::want_more;  // want_more: not ended
  bool server_;
  bool close_notify_sent_ = false;
};

}  // namespace echo::tls
