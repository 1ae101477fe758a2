// How a readiness engine (epoll, threads, blocking, uring's bulk path) reads a
// PROXY header: into the stream's receive buffer, as an echo read would, each
// read handed to the preamble stage (core/proxy_preamble.hpp) until the header
// is complete. Bytes that followed it are left in the stream as received, so
// the engine's next pump echoes them first.
#pragma once

#include <sys/types.h>

#include <cerrno>
#include <cstddef>
#include <span>

#include "core/buffer_pool.hpp"
#include "core/echo_stream.hpp"
#include "core/proxy_preamble.hpp"

namespace echo {

struct PreambleRead {
  enum class State : std::uint8_t {
    want_read,  // the header is not complete and the socket has nothing more
    done,       // complete and admitted: pump the stream (leftover bytes are held)
    refused,    // malformed or refused: close with CloseReason::proxy_invalid
    eof,        // the peer closed inside the header
    failed,     // a read failed: error
  };
  State state = State::want_read;
  int error = 0;
  std::size_t leftover = 0;  // bytes after the header, now held by the stream
};

// io: `ssize_t read(std::span<std::byte>)` as in EchoStream::pump. take: the
// loop's or session's ProxyPreamble::take for this connection, given the bytes.
template <class Io, class Take>
PreambleRead read_preamble(Io& io, EchoStream& stream, BufferPool& pool, Take&& take) {
  using State = PreambleRead::State;
  for (;;) {
    const std::span<std::byte> buffer = stream.receive_buffer(pool);
    const ssize_t n = io.read(buffer);
    if (n > 0) {
      const ProxyPreamble::Step step = take(buffer.first(static_cast<std::size_t>(n)));
      if (step.status == ProxyPreamble::Status::need_more) continue;
      if (step.status == ProxyPreamble::Status::refused) {
        stream.settle(pool);
        return {State::refused};
      }
      if (step.leftover > 0) {
        stream.received(step.leftover);
      } else {
        stream.settle(pool);
      }
      return {State::done, 0, step.leftover};
    }
    if (n < 0 && errno == EINTR) continue;
    const int error = n < 0 ? errno : 0;
    stream.settle(pool);
    if (n == 0) return {State::eof};
    if (error == EAGAIN || error == EWOULDBLOCK) return {State::want_read};
    return {State::failed, error};
  }
}

}  // namespace echo
