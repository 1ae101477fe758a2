// The per-connection echo state every engine shares: a bounded buffer of bytes
// read but not yet echoed, and the rules for moving them. Engines supply the
// system calls; this decides what to call next, so backpressure (never read
// while the buffer is full), ordering and half-close work the same everywhere.
//
// The buffer is borrowed from a BufferPool only while bytes are in flight, so an
// idle connection holds no buffer at all.
#pragma once

#include <sys/types.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/buffer_pool.hpp"

namespace echo {

// What a connection waits for after a pump, or how it ended.
enum class PumpState : std::uint8_t {
  want_read,   // nothing pending; waiting for the peer to send
  want_write,  // an echo is pending and the socket's send buffer is full
  more,        // the budget ran out with work left: call again soon
  finished,    // peer sent FIN and everything was echoed: shut down and close
  failed,      // a read or write failed: see error
};

struct PumpResult {
  PumpState state = PumpState::want_read;
  int error = 0;  // errno when failed
  std::size_t bytes_read = 0;
  std::size_t bytes_written = 0;
  bool progressed() const { return bytes_read + bytes_written > 0; }
};

inline const char* to_string(PumpState state) {
  switch (state) {
    case PumpState::want_read:
      return "want-read";
    case PumpState::want_write:
      return "want-write";
    case PumpState::more:
      return "more";
    case PumpState::finished:
      return "finished";
    case PumpState::failed:
      return "failed";
  }
  return "?";
}

class EchoStream {
 public:
  // Moves bytes until the socket would block, the peer is done, or budget_bytes
  // have been read. Io needs `ssize_t read(std::span<std::byte>)` and
  // `ssize_t write(std::span<const std::byte>)` returning -1 with errno like the
  // system calls (EAGAIN/EWOULDBLOCK = would block; EINTR is retried here).
  template <class Io>
  PumpResult pump(Io& io, BufferPool& pool, std::size_t budget_bytes);

  // The connection will be closed: give the buffer back.
  void release(BufferPool& pool) noexcept {
    pool.give_back(std::move(buffer_));
    head_ = tail_ = 0;
  }

  std::size_t pending_bytes() const noexcept { return tail_ - head_; }
  bool peer_finished() const noexcept { return peer_eof_; }
  bool holds_buffer() const noexcept { return static_cast<bool>(buffer_); }
  // Draining for shutdown: stop reading, echo what is held, then finish.
  void stop_reading() noexcept { peer_eof_ = true; }

 private:
  template <class Io>
  bool flush(Io& io, PumpResult& result);

  BufferPool::Buffer buffer_;
  std::uint32_t head_ = 0;  // first byte not yet echoed
  std::uint32_t tail_ = 0;  // one past the last byte read
  bool peer_eof_ = false;
};

template <class Io>
bool EchoStream::flush(Io& io, PumpResult& result) {
  while (head_ < tail_) {
    const ssize_t n = io.write(std::span<const std::byte>(buffer_.get() + head_, tail_ - head_));
    if (n > 0) {
      head_ += static_cast<std::uint32_t>(n);
      result.bytes_written += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      result.state = PumpState::want_write;
    } else {
      result.state = PumpState::failed;
      result.error = n < 0 ? errno : EPIPE;
    }
    return false;
  }
  head_ = tail_ = 0;
  return true;
}

template <class Io>
PumpResult EchoStream::pump(Io& io, BufferPool& pool, std::size_t budget_bytes) {
  PumpResult result;
  for (;;) {
    if (!flush(io, result)) return result;
    if (peer_eof_) {
      pool.give_back(std::move(buffer_));
      result.state = PumpState::finished;
      return result;
    }
    if (result.bytes_read >= budget_bytes) {
      result.state = PumpState::more;
      return result;
    }
    // The buffer is empty here (flush drained it), so a read may fill all of it:
    // bytes held never exceed the pool's buffer size.
    if (!buffer_) buffer_ = pool.take();
    const ssize_t n = io.read(std::span<std::byte>(buffer_.get(), pool.buffer_size()));
    if (n > 0) {
      tail_ = static_cast<std::uint32_t>(n);
      result.bytes_read += static_cast<std::size_t>(n);
      continue;
    }
    if (n == 0) {
      peer_eof_ = true;
      continue;
    }
    if (errno == EINTR) continue;
    pool.give_back(std::move(buffer_));
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      result.state = PumpState::want_read;
    } else {
      result.state = PumpState::failed;
      result.error = errno;
    }
    return result;
  }
}

}  // namespace echo
