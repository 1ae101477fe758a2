// The per-connection echo state every engine shares: a bounded buffer of bytes
// read but not yet echoed, and the rules for moving them. Engines supply the
// system calls; this decides what to call next, so backpressure (never read
// while the buffer is full), ordering and half-close work the same everywhere.
//
// The buffer is borrowed from a BufferPool only while bytes are in flight, so an
// idle connection holds no buffer at all.
//
// Two kinds of engine drive it. A readiness engine (epoll, threads, blocking)
// calls pump() with an Io that makes the system calls. A completion engine
// (uring) makes its own calls and reports them: may_receive() (may a recv be
// armed?), receive_buffer() / received() / received_provided() (where a recv
// lands, and what arrived), unsent() / sent() (what to send, and what went).
// pump() is written in those same calls, so the rules -- read only into an
// empty buffer (the per-connection bound and backpressure), echo in order,
// finish after the peer's FIN once everything is echoed, hold nothing while
// idle -- exist once.
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
#include "core/provided_buffers.hpp"

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
  // Where the bytes held are: nowhere, a pool buffer, a splice pipe, or a buffer
  // the kernel picked (ProvidedBuffers).
  enum class Lease : std::uint8_t { none, buffer, pipe, provided };

  // --- Readiness drivers.
  // Moves bytes until the socket would block, the peer is done, or budget_bytes
  // have been read. Io needs `ssize_t read(std::span<std::byte>)` and
  // `ssize_t write(std::span<const std::byte>)` returning -1 with errno like the
  // system calls (EAGAIN/EWOULDBLOCK = would block; EINTR is retried here), and
  // for the splice path (pipes not null) `splice_in(int pipe, size_t)` (socket
  // to pipe) and `splice_out(int pipe, size_t)` (pipe to socket) alike.
  template <class Io>
  PumpResult pump(Io& io, BufferPool& pool, std::size_t budget_bytes, PipePool* pipes = nullptr);

  // --- Completion drivers.
  // Whether a recv may be armed now: nothing is held (so it may fill a whole
  // buffer without passing the bound) and the peer has not finished.
  bool may_receive() const noexcept { return pending_bytes() == 0 && !peer_eof_; }
  // Where the next recv may land when the engine supplies the memory: a pool
  // buffer, taken now if none is held. Only while may_receive().
  std::span<std::byte> receive_buffer(BufferPool& pool) {
    if (lease_ != Lease::buffer) {
      lease_id_ = pool.take();
      lease_ = Lease::buffer;
    }
    return {pool.data(lease_id_), pool.buffer_size()};
  }
  // n bytes arrived in receive_buffer() (or, pumping, in the pipe); 0 = the
  // peer's FIN.
  void received(std::size_t n) noexcept {
    head_ = 0;
    tail_ = static_cast<std::uint32_t>(n);
    if (n == 0) peer_eof_ = true;
  }
  // n > 0 bytes arrived in a buffer the kernel picked; the stream holds it
  // until they are echoed. Only while may_receive() and nothing is leased.
  void received_provided(ProvidedBuffers::Id id, std::size_t n) noexcept {
    lease_ = Lease::provided;
    lease_id_ = id;
    received(n);
  }
  // What should be sent next: the bytes held, in order (not for a pipe lease).
  std::span<const std::byte> unsent(const BufferPool& pool,
                                    const ProvidedBuffers* provided = nullptr) const noexcept {
    const std::byte* base = lease_ == Lease::provided
                                ? provided->data(static_cast<ProvidedBuffers::Id>(lease_id_))
                                : pool.data(lease_id_);
    return {base + head_, tail_ - head_};
  }
  // n bytes of unsent() went out. True once nothing is pending.
  bool sent(std::size_t n) noexcept {
    head_ += static_cast<std::uint32_t>(n);
    if (head_ < tail_) return false;
    head_ = tail_ = 0;
    return true;
  }
  // Nothing pending, waiting for input: give back the buffer held, so an idle
  // connection holds none. No-op while bytes are pending or a pipe is lent.
  void settle(BufferPool& pool, ProvidedBuffers* provided = nullptr) noexcept {
    if (pending_bytes() > 0) return;
    if (lease_ == Lease::buffer) pool.give_back(lease_id_);
    // (A provided lease comes with its lender: readiness engines pass none.)
    if (lease_ == Lease::provided && provided != nullptr)
      provided->give_back(static_cast<ProvidedBuffers::Id>(lease_id_));
    if (lease_ != Lease::pipe) lease_ = Lease::none;
  }
  // The peer finished and everything it sent was echoed: send FIN and close.
  bool finished() const noexcept { return peer_eof_ && pending_bytes() == 0; }
  // A completion driver's recv of n bytes into a buffer of capacity bytes: counts
  // towards streaming() as the pump's own reads do.
  void count_read(std::size_t n, std::size_t capacity) noexcept {
    full_reads_ = n == capacity
                      ? static_cast<std::uint8_t>(std::min<int>(full_reads_ + 1, kBulkAfter))
                      : std::uint8_t{0};
  }
  // Reads have been filling the whole buffer: a bulk stream, which the pump
  // moves by splice when given pipes. A completion engine hands such a stream
  // to pump() (see engines/uring/connections.cpp).
  bool streaming() const noexcept { return full_reads_ >= kBulkAfter; }

  // --- Both.
  // The connection will be closed: give back whatever is held.
  void release(BufferPool& pool, PipePool* pipes = nullptr,
               ProvidedBuffers* provided = nullptr) noexcept {
    if (lease_ == Lease::pipe) give_back_pipe(pipes);
    head_ = tail_ = 0;
    settle(pool, provided);
  }

  std::size_t pending_bytes() const noexcept { return tail_ - head_; }
  bool peer_finished() const noexcept { return peer_eof_; }
  bool holds_buffer() const noexcept {
    return lease_ == Lease::buffer || lease_ == Lease::provided;
  }
  bool holds_pipe() const noexcept { return lease_ == Lease::pipe; }
  // Draining for shutdown: stop reading, echo what is held, then finish.
  void stop_reading() noexcept { peer_eof_ = true; }

 private:
  // Reads that filled the buffer, in a row, before the stream counts as bulk.
  static constexpr std::uint8_t kBulkAfter = 2;

  template <class Io>
  bool flush(Io& io, BufferPool& pool, PipePool* pipes, PumpResult& result);
  template <class Io>
  ssize_t read_some(Io& io, BufferPool& pool, PipePool* pipes);
  void give_back_pipe(PipePool* pipes) noexcept {
    if (lease_ != Lease::pipe || pipes == nullptr) return;
    pipes->give_back(static_cast<PipePool::Id>(lease_id_), pending_bytes() > 0);
    lease_ = Lease::none;
  }

  // 16 bytes, kept by every connection of every engine.
  std::uint32_t lease_id_ = 0;  // the buffer's (or pipe's) id in its lender
  std::uint32_t head_ = 0;      // first byte not yet echoed (of the buffer or the pipe)
  std::uint32_t tail_ = 0;      // one past the last byte read
  Lease lease_ = Lease::none;
  bool peer_eof_ = false;
  std::uint8_t full_reads_ = 0;  // reads in a row that filled the buffer, up to kBulkAfter
};

template <class Io>
bool EchoStream::flush(Io& io, BufferPool& pool, PipePool* pipes, PumpResult& result) {
  while (pending_bytes() > 0) {
    ssize_t n;
    if (lease_ == Lease::pipe) {
      if constexpr (requires { io.splice_out(0, std::size_t{}); }) {
        n = io.splice_out(pipes->read_end(static_cast<PipePool::Id>(lease_id_)), pending_bytes());
      } else {
        n = -1, errno = EINVAL;  // unreachable: only a splicing Io is given pipes
      }
    } else {
      n = io.write(unsent(pool));
    }
    if (n > 0) {
      sent(static_cast<std::size_t>(n));
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
  return true;
}

// One read into an empty buffer or pipe, choosing the path (see the top).
template <class Io>
ssize_t EchoStream::read_some(Io& io, BufferPool& pool, PipePool* pipes) {
  if constexpr (requires { io.splice_in(0, std::size_t{}); }) {
    if (pipes && streaming() && lease_ != Lease::pipe) {
      const PipePool::Id pipe = pipes->take();  // none free: copy this time
      if (pipe != PipePool::kNone) {
        settle(pool);
        lease_ = Lease::pipe;
        lease_id_ = pipe;
      }
    }
    if (lease_ == Lease::pipe) {
      const std::size_t chunk = pipes->chunk_bytes();
      const ssize_t n = io.splice_in(pipes->write_end(static_cast<PipePool::Id>(lease_id_)), chunk);
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
  const ssize_t n = io.read(receive_buffer(pool));
  if (n > 0) count_read(static_cast<std::size_t>(n), pool.buffer_size());
  return n;
}

template <class Io>
PumpResult EchoStream::pump(Io& io, BufferPool& pool, std::size_t budget_bytes, PipePool* pipes) {
  PumpResult result;
  for (;;) {
    if (!flush(io, pool, pipes, result)) return result;
    // Empty now: a pipe left over from a bulk run goes back once it is not wanted.
    if (lease_ == Lease::pipe && (peer_eof_ || !streaming())) give_back_pipe(pipes);
    if (finished()) {
      settle(pool);
      result.state = PumpState::finished;
      return result;
    }
    if (result.bytes_read >= budget_bytes) {
      result.state = PumpState::more;
      return result;
    }
    // may_receive() holds here (flush drained the buffer or pipe), so a read may
    // fill all of it: bytes held never exceed the pool's buffer size.
    const ssize_t n = read_some(io, pool, pipes);
    if (n >= 0) {
      received(static_cast<std::size_t>(n));
      result.bytes_read += static_cast<std::size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    const int error = errno;
    settle(pool);
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
