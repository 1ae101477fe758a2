// What the server knows and reports about one connection: who, since when, how
// many bytes each way, and why it ended. Every engine opens and closes its
// connections through here, so the log lines are the same whichever engine runs.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "core/log.hpp"
#include "net/peer.hpp"

namespace echo {

enum class CloseReason : std::uint8_t {
  eof,            // the client half-closed and everything was echoed
  reset,          // the client reset the connection
  error,          // another socket error
  write_timeout,  // a pending echo made no progress for --write-timeout
  idle_timeout,   // no traffic for --idle-timeout
  shutdown,       // the drain deadline passed during graceful shutdown
  // A connection on a PROXY listener that never completed its header
  // (core/proxy_preamble.hpp; logged as a refusal, not a close):
  proxy_timeout,  // no complete header within --proxy-timeout
  proxy_invalid,  // a malformed header, or admission refused its claimed peer
};

const char* to_string(CloseReason reason);
// Maps a failed read/write errno to reset or error.
CloseReason reason_for_error(int error);

class ConnectionRecord {
 public:
  ConnectionRecord() = default;
  // Assigns an id and logs the open line; the peer is asked of the socket.
  explicit ConnectionRecord(int fd);
  // The same, with the peer address accept returned.
  explicit ConnectionRecord(const net::Address& peer);
  // A connection on a PROXY listener: the id and the clock start now, the open
  // line waits for the header (open_proxied).
  struct Deferred {};
  ConnectionRecord(const net::Address& peer, Deferred);
  // The header is complete: peer is now the client it names (or the socket's
  // peer for LOCAL/UNKNOWN); logs the open line with the proxy's address beside
  // it and the header's TLVs (tlvs: a ready field value, empty for none).
  void open_proxied(const net::PeerAddress& peer, const net::PeerAddress& via,
                    std::string_view tlvs);

  // Bytes echoed are not counted apart: they are the bytes received less those
  // still held at close, which keeps this record (kept by every idle connection)
  // at 48 bytes.
  void add_in(std::uint64_t bytes) noexcept { bytes_in_ += bytes; }
  std::uint64_t bytes_in() const noexcept { return bytes_in_; }
  // Who it is, for admission's release at close.
  const net::PeerAddress& peer() const noexcept { return peer_; }

  // Per-pump detail, at trace level only (one comparison when trace is off).
  void trace_io(std::uint64_t bytes_read, std::uint64_t bytes_written, const char* state) const {
    if (log::enabled(log::Level::trace)) write_trace(bytes_read, bytes_written, state);
  }

  // Logs the close line; unechoed = bytes received but never sent back; error is
  // the errno behind reset/error, else 0.
  // via: the proxy's address, for a connection that came through a PROXY header.
  void log_close(CloseReason reason, std::uint64_t unechoed, int error = 0,
                 const net::PeerAddress* via = nullptr) const;

 private:
  void write_trace(std::uint64_t bytes_read, std::uint64_t bytes_written, const char* state) const;

  std::uint64_t id_ = 0;
  std::uint64_t bytes_in_ = 0;
  std::chrono::steady_clock::time_point opened_{};
  net::PeerAddress peer_;
};

}  // namespace echo
