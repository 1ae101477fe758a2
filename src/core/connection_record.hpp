// What the server knows and reports about one connection: who, since when, how
// many bytes each way, and why it ended. Every engine opens and closes its
// connections through here, so the log lines are the same whichever engine runs.
#pragma once

#include <chrono>
#include <cstdint>

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
  void log_close(CloseReason reason, std::uint64_t unechoed, int error = 0) const;

 private:
  void write_trace(std::uint64_t bytes_read, std::uint64_t bytes_written, const char* state) const;

  std::uint64_t id_ = 0;
  std::uint64_t bytes_in_ = 0;
  std::chrono::steady_clock::time_point opened_{};
  net::PeerAddress peer_;
};

}  // namespace echo
