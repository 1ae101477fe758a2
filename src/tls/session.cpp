#include "tls/session.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <new>

#include "tls/errors.hpp"
#include "tls/queue_bio.hpp"

namespace echo::tls {
namespace {

bool is_ip_literal(const std::string& name) {
  unsigned char address[16];
  return ::inet_pton(AF_INET, name.c_str(), address) == 1 ||
         ::inet_pton(AF_INET6, name.c_str(), address) == 1;
}

}  // namespace

const char* to_string(HandshakeStatus status) {
  switch (status) {
    case HandshakeStatus::in_progress:
      return "in-progress";
    case HandshakeStatus::done:
      return "done";
    case HandshakeStatus::failed:
      return "failed";
  }
  return "?";
}

const char* to_string(ReadStatus status) {
  switch (status) {
    case ReadStatus::data:
      return "data";
    case ReadStatus::want_more:
      return "want-more";
    case ReadStatus::close_notify:
      return "close-notify";
    case ReadStatus::truncated:
      return "truncated";
    case ReadStatus::failed:
      return "failed";
  }
  return "?";
}

TlsSession::TlsSession(const TlsContext& context, bool server, const TlsBounds& bounds)
    : context_(context),
      queues_(std::make_unique<CiphertextQueues>()),
      ssl_(SSL_new(context.native_handle())),
      inbound_bytes_(std::max(bounds.inbound_bytes, kMaxRecordCiphertextBytes)),
      outbound_bytes_(std::max<std::size_t>(bounds.outbound_bytes, 1)),
      server_(server) {
  if (!ssl_) throw std::bad_alloc();
  BioPtr bio = create_queue_bio(*queues_);
  // One BIO both ways: each set0 takes a reference, so it gets two.
  BIO_up_ref(bio.get());
  SSL_set0_rbio(ssl_.get(), bio.get());
  SSL_set0_wbio(ssl_.get(), bio.release());
}

TlsSession::TlsSession(TlsSession&&) noexcept = default;
TlsSession& TlsSession::operator=(TlsSession&&) noexcept = default;
TlsSession::~TlsSession() = default;

TlsSession TlsSession::accept(const TlsContext& server, const TlsBounds& bounds) {
  TlsSession session(server, true, bounds);
  SSL_set_accept_state(session.ssl_.get());
  return session;
}

TlsSession TlsSession::connect(const TlsContext& client, std::string_view server_name,
                               const SslSessionPtr* resume, const TlsBounds& bounds) {
  TlsSession session(client, false, bounds);
  SSL* ssl = session.ssl_.get();
  SSL_set_connect_state(ssl);
  const std::string name(server_name);
  if (!name.empty()) {
    if (is_ip_literal(name)) {
      if (client.verifies_peer()) X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl, name.c_str());
      if (client.verifies_peer()) SSL_set1_host(ssl, name.c_str());
    }
  }
  if (resume != nullptr && *resume) SSL_set_session(ssl, resume->get());
  return session;
}

std::size_t TlsSession::take_ciphertext(std::span<const std::byte> bytes) {
  if (end_ == ReadStatus::close_notify || failed()) return bytes.size();
  if (bytes.empty()) return 0;
  const std::span<std::byte> room = ciphertext_buffer();
  const std::size_t n = std::min(room.size(), bytes.size());
  std::copy_n(bytes.data(), n, room.data());
  ciphertext_received(n);
  return n;
}

std::span<std::byte> TlsSession::ciphertext_buffer() {
  const std::size_t held = queues_->inbound.size();
  if (held >= inbound_bytes_) return {};
  const std::size_t room = inbound_bytes_ - held;
  return queues_->inbound.reserve_back(room).first(room);
}

void TlsSession::ciphertext_received(std::size_t n) noexcept {
  // After the end nothing reads the queue: keep it empty (and releasable).
  if (end_ == ReadStatus::close_notify || failed()) return;
  queues_->inbound.commit_back(n);
}

void TlsSession::received_fin() noexcept {
  queues_->inbound_finished = true;
}

HandshakeStatus TlsSession::handshake() {
  if (handshake_ != HandshakeStatus::in_progress) return handshake_;
  ERR_clear_error();
  const int rc = SSL_do_handshake(ssl_.get());
  if (rc == 1) {
    handshake_ = HandshakeStatus::done;
    return handshake_;
  }
  const int ssl_error = SSL_get_error(ssl_.get(), rc);
  if (ssl_error == SSL_ERROR_WANT_READ) return handshake_;
  fail_handshake(ssl_error);
  return handshake_;
}

void TlsSession::fail_handshake(int ssl_error) {
  error_ = describe_failure(ssl_error);
  handshake_ = HandshakeStatus::failed;
  queues_->inbound.pop_front(queues_->inbound.size());
}

std::string TlsSession::describe_failure(int ssl_error) const {
  const OpensslError cause = take_openssl_error();
  if (cause.empty()) {
    // SSL_ERROR_SYSCALL with nothing queued: the stream ended where OpenSSL
    // did not expect it (our BIO has no system calls to fail).
    return ssl_error == SSL_ERROR_SYSCALL ? "unexpected end of the TLS stream"
                                          : "TLS error " + std::to_string(ssl_error);
  }
  if (cause.library() == ERR_LIB_SSL) {
    if (cause.reason_code() == SSL_R_UNEXPECTED_EOF_WHILE_READING && !handshake_done()) {
      return "peer closed the connection during the handshake";
    }
    if (cause.reason_code() == SSL_R_CERTIFICATE_VERIFY_FAILED) {
      const long verify = SSL_get_verify_result(ssl_.get());
      if (verify != X509_V_OK) return cause.reason + ": " + X509_verify_cert_error_string(verify);
    }
  }
  return cause.reason;
}

ReadResult TlsSession::end_read(ReadStatus status, std::size_t bytes) {
  end_ = status;
  // Nothing reads the inbound queue after the end: empty it (releasable).
  queues_->inbound.pop_front(queues_->inbound.size());
  // The end is reported after the plaintext before it, on the next call.
  if (bytes > 0) return {ReadStatus::data, bytes};
  return {status, 0};
}

ReadResult TlsSession::read_plaintext(std::span<std::byte> out) {
  if (end_ != ReadStatus::want_more) return {end_, 0};
  if (handshake_ != HandshakeStatus::done) {
    if (handshake() == HandshakeStatus::failed) return {ReadStatus::failed, 0};
    if (handshake_ != HandshakeStatus::done) return {ReadStatus::want_more, 0};
  }
  std::size_t total = 0;
  while (total < out.size()) {
    ERR_clear_error();
    std::size_t n = 0;
    const int rc = SSL_read_ex(ssl_.get(), out.data() + total, out.size() - total, &n);
    if (rc == 1) {
      total += n;
      continue;
    }
    const int ssl_error = SSL_get_error(ssl_.get(), rc);
    switch (ssl_error) {
      case SSL_ERROR_WANT_READ:
        // Out of ciphertext (what was read may have been only a session
        // ticket or a KeyUpdate, whose answer is now pending to send).
        return {total > 0 ? ReadStatus::data : ReadStatus::want_more, total};
      case SSL_ERROR_ZERO_RETURN:
        return end_read(ReadStatus::close_notify, total);
      default: {
        const bool truncated =
            queues_->inbound_finished && ERR_GET_LIB(ERR_peek_error()) == ERR_LIB_SSL &&
            ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
        if (truncated) {
          ERR_clear_error();
          error_ = "peer closed without close_notify";
          return end_read(ReadStatus::truncated, total);
        }
        error_ = describe_failure(ssl_error);
        return end_read(ReadStatus::failed, total);
      }
    }
  }
  return {ReadStatus::data, total};
}

std::size_t TlsSession::write_plaintext(std::span<const std::byte> plaintext) {
  if (!handshake_done() || failed() || close_notify_sent_) return 0;
  std::size_t written = 0;
  // Our BIO never refuses output, so each SSL_write of at most one record
  // completes: no retry with the same arguments is ever owed to OpenSSL.
  while (written < plaintext.size() && queues_->outbound.size() < outbound_bytes_) {
    const std::size_t chunk = std::min(plaintext.size() - written, kMaxRecordPlaintextBytes);
    ERR_clear_error();
    std::size_t n = 0;
    const int rc = SSL_write_ex(ssl_.get(), plaintext.data() + written, chunk, &n);
    if (rc != 1) {
      error_ = describe_failure(SSL_get_error(ssl_.get(), rc));
      end_ = ReadStatus::failed;
      break;
    }
    written += n;
  }
  return written;
}

bool TlsSession::send_close_notify() {
  // OpenSSL forbids SSL_shutdown mid-handshake and after a fatal error.
  if (!handshake_done() || failed() || close_notify_sent_) return false;
  ERR_clear_error();
  // The first call queues our close_notify and returns 0 (1 if the peer's came
  // already); we never wait for the peer's with a second call: FIN follows.
  if (SSL_shutdown(ssl_.get()) < 0) {
    take_openssl_error();
    return false;
  }
  close_notify_sent_ = true;
  return true;
}

std::span<const std::byte> TlsSession::pending_ciphertext() const noexcept {
  return queues_->outbound.front();
}

void TlsSession::consumed_ciphertext(std::size_t n) noexcept {
  queues_->outbound.pop_front(n);
}

std::span<const std::byte> TlsSession::begin_send() noexcept {
  queues_->outbound.pin();
  return queues_->outbound.front();
}

void TlsSession::end_send(std::size_t sent) noexcept {
  queues_->outbound.pop_front(sent);
  queues_->outbound.unpin();
}

bool TlsSession::has_pending_input() const noexcept {
  if (end_ != ReadStatus::want_more) return false;
  // Not SSL_has_pending: that counts a partial record, which needs more input.
  // (Without read-ahead OpenSSL pulls one record at a time, so whole records
  // not yet decrypted are still in the inbound queue.)
  return !queues_->inbound.empty() || SSL_pending(ssl_.get()) > 0;
}

std::size_t TlsSession::ciphertext_held() const noexcept {
  return queues_->inbound.size() + queues_->outbound.size();
}

std::size_t TlsSession::queue_capacity() const noexcept {
  return queues_->inbound.capacity() + queues_->outbound.capacity();
}

void TlsSession::release_idle_buffers() noexcept {
  queues_->inbound.release();
  queues_->outbound.release();
}

bool TlsSession::resumed() const noexcept {
  return SSL_session_reused(ssl_.get()) == 1;
}

std::string_view TlsSession::protocol_version() const noexcept {
  if (!handshake_done()) return {};
  return SSL_get_version(ssl_.get());
}

std::string_view TlsSession::cipher() const noexcept {
  const SSL_CIPHER* current = SSL_get_current_cipher(ssl_.get());
  return current != nullptr ? SSL_CIPHER_get_name(current) : "";
}

std::string_view TlsSession::alpn() const noexcept {
  const unsigned char* name = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(ssl_.get(), &name, &length);
  if (name == nullptr) return {};
  return {reinterpret_cast<const char*>(name), length};
}

std::string_view TlsSession::server_name() const noexcept {
  const char* name = SSL_get_servername(ssl_.get(), TLSEXT_NAMETYPE_host_name);
  return name != nullptr ? name : "";
}

std::string TlsSession::peer_subject() const {
  const X509* peer = SSL_get0_peer_certificate(ssl_.get());
  if (peer == nullptr) return {};
  BioPtr text(BIO_new(BIO_s_mem()));
  if (!text) throw std::bad_alloc();
  // RFC 2253 order and escaping, UTF-8 kept: one line whatever the name holds.
  X509_NAME_print_ex(text.get(), X509_get_subject_name(peer), 0,
                     XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long length = BIO_get_mem_data(text.get(), &data);
  return {data, static_cast<std::size_t>(length)};
}

SslSessionPtr TlsSession::saved_session() const {
  const SSL_SESSION* current = SSL_get0_session(ssl_.get());
  if (current == nullptr || SSL_SESSION_is_resumable(current) != 1) return nullptr;
  // A copy: freeing an SSL that never sent close_notify marks its own session
  // not resumable, and a client may well end a connection that way.
  return SslSessionPtr(SSL_SESSION_dup(current));
}

}  // namespace echo::tls
