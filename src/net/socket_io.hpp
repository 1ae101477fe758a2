// The Io adapter EchoStream pumps through: recv/send on one socket, or splice
// between it and a pipe. MSG_NOSIGNAL turns a write to a reset peer into EPIPE
// instead of a process-killing SIGPIPE; splice(2) has no such flag, which is why
// echo-server also ignores SIGPIPE (server/main.cpp).
#pragma once

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstddef>
#include <span>

namespace echo::net {

struct SocketIo {
  int fd;
  ssize_t read(std::span<std::byte> into) const { return ::recv(fd, into.data(), into.size(), 0); }
  ssize_t write(std::span<const std::byte> from) const {
    return ::send(fd, from.data(), from.size(), MSG_NOSIGNAL);
  }
  // Socket -> pipe, and pipe -> socket. Both ends are non-blocking, so EAGAIN
  // means the socket has nothing (in) or no room (out): the pipe is always
  // empty before a splice in and holds the bytes of a splice out.
  ssize_t splice_in(int pipe_write, std::size_t bytes) const {
    return ::splice(fd, nullptr, pipe_write, nullptr, bytes, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
  }
  ssize_t splice_out(int pipe_read, std::size_t bytes) const {
    return ::splice(pipe_read, nullptr, fd, nullptr, bytes, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
  }
};

// Discards whatever the peer has sent without copying it (MSG_TRUNC on TCP), so a
// close after our FIN does not turn into a reset. Returns >0 bytes dropped, 0 at
// the peer's EOF, or -errno (-EAGAIN when nothing is queued).
inline ssize_t discard_input(int fd) {
  // The kernel copies nothing with MSG_TRUNC, but sanitizers model recv as a
  // write of the result into the buffer: give them a real, per-thread one.
  thread_local char scratch[64 * 1024];
  const ssize_t n = ::recv(fd, scratch, sizeof scratch, MSG_TRUNC | MSG_DONTWAIT);
  return n >= 0 ? n : -errno;
}

}  // namespace echo::net
