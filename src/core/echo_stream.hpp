// The per-connection echo state every engine shares: a bounded buffer of bytes
// read but not yet echoed, and the rules for moving them. Engines supply the
// system calls; this decides what to call next, so backpressure (never read
// while the buffer is full), ordering and half-close work the same everywhere.
//
// The buffer is borrowed from a BufferPool only while bytes are in flight, so an
// idle connection holds no buffer at all.
//
// Bulk traffic goes by splice(2) instead, through a pipe borrowed from a
// PipePool the same way: once two reads in a row have filled the whole buffer
// the stream is streaming, and its next reads move socket -> pipe -> socket with
// no copy through user space. A short read (under a quarter of the buffer)
// turns it back to copying, where small messages are cheaper. Either way at
// most --buffer-size bytes are held, and the states reported are the same, so
// backpressure, timeouts and the drain need not know which path ran.
#pragma once

#include <sys/types.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/buffer_pool.hpp"
#include "core/pipe_pool.hpp"

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
  // system calls (EAGAIN/EWOULDBLOCK = would block; EINTR is retried here), and
  // for the splice path (pipes not null) `splice_in(int pipe, size_t)` (socket
  // to pipe) and `splice_out(int pipe, size_t)` (pipe to socket) alike.
  template <class Io>
  PumpResult pump(Io& io, BufferPool& pool, std::size_t budget_bytes, PipePool* pipes = nullptr);

  // The connection will be closed: give the buffer or pipe back.
  void release(BufferPool& pool, PipePool* pipes = nullptr) noexcept {
    pool.give_back(std::move(buffer_));
    give_back_pipe(pipes);
    head_ = tail_ = 0;
  }

  std::size_t pending_bytes() const noexcept { return tail_ - head_; }
  bool peer_finished() const noexcept { return peer_eof_; }
  bool holds_buffer() const noexcept { return static_cast<bool>(buffer_); }
  bool holds_pipe() const noexcept { return pipe_ != PipePool::kNone; }
  // Draining for shutdown: stop reading, echo what is held, then finish.
  void stop_reading() noexcept { peer_eof_ = true; }

 private:
  // Reads that filled the buffer, in a row, before the stream counts as bulk.
  static constexpr std::uint8_t kBulkAfter = 2;

  template <class Io>
  bool flush(Io& io, PipePool* pipes, PumpResult& result);
  template <class Io>
  ssize_t read_some(Io& io, BufferPool& pool, PipePool* pipes);
  void give_back_pipe(PipePool* pipes) noexcept {
    if (pipe_ == PipePool::kNone || pipes == nullptr) return;
    pipes->give_back(pipe_, pending_bytes() > 0);
    pipe_ = PipePool::kNone;
  }

  BufferPool::Buffer buffer_;
  std::uint32_t head_ = 0;  // first byte not yet echoed (of the buffer or the pipe)
  std::uint32_t tail_ = 0;  // one past the last byte read
  bool peer_eof_ = false;
  std::uint8_t full_reads_ = 0;          // reads in a row that filled the buffer, up to kBulkAfter
  PipePool::Id pipe_ = PipePool::kNone;  // held while splicing
};

template <class Io>
bool EchoStream::flush(Io& io, PipePool* pipes, PumpResult& result) {
  while (head_ < tail_) {
    ssize_t n;
    if (pipe_ != PipePool::kNone) {
      if constexpr (requires { io.splice_out(0, std::size_t{}); }) {
        n = io.splice_out(pipes->read_end(pipe_), tail_ - head_);
      } else {
        n = -1, errno = EINVAL;  // unreachable: only a splicing Io is given pipes
      }
    } else {
      n = io.write(std::span<const std::byte>(buffer_.get() + head_, tail_ - head_));
    }
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

// One read into an empty buffer or pipe, choosing the path (see the top).
template <class Io>
ssize_t EchoStream::read_some(Io& io, BufferPool& pool, PipePool* pipes) {
  if constexpr (requires { io.splice_in(0, std::size_t{}); }) {
    if (pipes && full_reads_ >= kBulkAfter && pipe_ == PipePool::kNone) {
      pipe_ = pipes->take();  // none free: copy this time
      if (pipe_ != PipePool::kNone) pool.give_back(std::move(buffer_));
    }
    if (pipe_ != PipePool::kNone) {
      const std::size_t chunk = pipes->chunk_bytes();
      const ssize_t n = io.splice_in(pipes->write_end(pipe_), chunk);
      if (n > 0 && static_cast<std::size_t>(n) < chunk / 4) {
        full_reads_ = 0;  // a small message: copy from the next read on
      }
      if (n >= 0) return n;
      const int error = errno;
      give_back_pipe(pipes);  // empty: an idle connection holds no pipe
      if (error != EINVAL) {
        errno = error;
        return n;
      }
      full_reads_ = 0;  // a socket that cannot splice: copy (and count again)
    }
  }
  if (!buffer_) buffer_ = pool.take();
  const ssize_t n = io.read(std::span<std::byte>(buffer_.get(), pool.buffer_size()));
  if (n > 0) {
    const bool full = static_cast<std::size_t>(n) == pool.buffer_size();
    full_reads_ = full ? static_cast<std::uint8_t>(std::min<int>(full_reads_ + 1, kBulkAfter)) : 0;
  }
  return n;
}

template <class Io>
PumpResult EchoStream::pump(Io& io, BufferPool& pool, std::size_t budget_bytes, PipePool* pipes) {
  PumpResult result;
  for (;;) {
    if (!flush(io, pipes, result)) return result;
    // Empty now: a pipe left over from a bulk run goes back once it is not wanted.
    if (pipe_ != PipePool::kNone && (peer_eof_ || full_reads_ < kBulkAfter)) give_back_pipe(pipes);
    if (peer_eof_) {
      pool.give_back(std::move(buffer_));
      result.state = PumpState::finished;
      return result;
    }
    if (result.bytes_read >= budget_bytes) {
      result.state = PumpState::more;
      return result;
    }
    // The buffer (or pipe) is empty here (flush drained it), so a read may fill
    // all of it: bytes held never exceed the pool's buffer size.
    const ssize_t n = read_some(io, pool, pipes);
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
    const int error = errno;
    pool.give_back(std::move(buffer_));
    if (error == EAGAIN || error == EWOULDBLOCK) {
      result.state = PumpState::want_read;
    } else {
      result.state = PumpState::failed;
      result.error = error;
    }
    return result;
  }
}

}  // namespace echo
