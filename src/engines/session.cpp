#include "engines/session.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <span>
#include <string>

#include "core/connection_lifecycle.hpp"
#include "core/connection_record.hpp"
#include "core/echo_stream.hpp"
#include "core/log.hpp"
#include "core/preamble_read.hpp"
#include "core/proxy_preamble.hpp"
#include "net/socket_io.hpp"

namespace echo {

namespace {

using Clock = std::chrono::steady_clock;

// A client that never pauses still lets the loop look at the clock this often.
constexpr std::size_t kPumpBudgetBytes = 1 << 20;

// Waits for events on fd (and on the shutdown latch, until it has fired) until
// the deadline. Returns false when the deadline passed.
bool wait_for(int fd, short events, std::optional<Clock::time_point> deadline, int latch_fd) {
  pollfd fds[2] = {{fd, events, 0}, {latch_fd, POLLIN, 0}};
  const nfds_t count = latch_fd >= 0 ? 2 : 1;
  for (;;) {
    int timeout_ms = -1;
    if (deadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now());
      if (left.count() <= 0) return false;
      timeout_ms = static_cast<int>(left.count());
    }
    const int ready = ::poll(fds, count, timeout_ms);
    if (ready > 0) return true;
    if (ready == 0) return false;
    if (errno != EINTR) return true;  // let the next read/write report the problem
  }
}

std::optional<Clock::time_point> earliest(std::optional<Clock::time_point> a,
                                          std::optional<Clock::time_point> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

// Past the drain deadline: echo what is held, send FIN, and wait (briefly) for
// the peer to close, discarding its late bytes so our close sends no reset.
void finish_for_shutdown(ServerContext& context, int fd, EchoStream& stream, BufferPool& pool,
                         PipePool& pipes, ConnectionRecord& record, const net::PeerAddress* via) {
  const auto give_up = Clock::now() + Shutdown::kFinalFlush;
  stream.stop_reading();
  net::SocketIo io{fd};
  for (;;) {
    const PumpResult result = stream.pump(io, pool, 0, &pipes);
    if (result.state != PumpState::want_write) break;
    if (!wait_for(fd, POLLOUT, give_up, -1)) break;
  }
  const std::uint64_t unechoed = stream.pending_bytes();
  stream.release(pool, &pipes);
  ::shutdown(fd, SHUT_WR);
  while (true) {
    const ssize_t n = net::discard_input(fd);
    if (n == 0 || (n < 0 && n != -EAGAIN)) break;
    if (n == -EAGAIN && !wait_for(fd, POLLIN, give_up, -1)) break;
  }
  end_connection(context, record, CloseReason::shutdown, unechoed, 0, via);
}

// A PROXY listener's connection: reads its header under --proxy-timeout (and
// the drain deadline). True once it is serving; false when it ended (refused).
bool read_header(ServerContext& context, int fd, EchoStream& stream, BufferPool& pool,
                 ConnectionRecord& record, ProxyPreamble& preamble) {
  const ServerConfig& config = context.config;
  const auto header_deadline = config.proxy_timeout.count() > 0
                                   ? std::optional(Clock::now() + config.proxy_timeout)
                                   : std::nullopt;
  const auto refuse = [&](CloseReason reason, int error) {
    std::string detail;
    const Refusal refusal = refusal_for_unfinished(preamble, reason, error, &detail);
    end_preamble(context, preamble, refusal, detail);
    return false;
  };
  net::SocketIo io{fd};
  for (;;) {
    const PreambleRead read = read_preamble(io, stream, pool, [&](std::span<std::byte> bytes) {
      return preamble.take(context, record, bytes);
    });
    switch (read.state) {
      case PreambleRead::State::done:
        record.add_in(read.leftover);
        return true;
      case PreambleRead::State::refused:
        return refuse(CloseReason::proxy_invalid, 0);
      case PreambleRead::State::eof:
        return refuse(CloseReason::eof, 0);
      case PreambleRead::State::failed:
        return refuse(reason_for_error(read.error), read.error);
      case PreambleRead::State::want_read:
        break;
    }
    const bool draining = context.shutdown.draining();
    const auto drain_deadline =
        draining ? std::optional(context.shutdown.drain_deadline()) : std::nullopt;
    const int latch = draining ? -1 : context.shutdown.latch_fd();
    if (wait_for(fd, POLLIN, earliest(header_deadline, drain_deadline), latch)) continue;
    if (drain_deadline && Clock::now() >= *drain_deadline) return refuse(CloseReason::shutdown, 0);
    if (header_deadline && Clock::now() >= *header_deadline)
      return refuse(CloseReason::proxy_timeout, 0);
  }
}

}  // namespace

void serve_connection(net::UniqueFd fd, const Listener& listener, ConnectionRecord record,
                      ServerContext& context, BufferPool& pool) {
  const ServerConfig& config = context.config;
  log::flush();
  // Every return below has logged the close line: flush it on the way out.
  struct FlushOnExit {
    ~FlushOnExit() { log::flush(); }
  } flush_on_exit;
  // This connection's own pipe, made only if it streams in bulk (--splice-pipes 0: never).
  PipePool pipes(config.splice_pipes > 0 ? 1 : 0, config.buffer_size_bytes);
  EchoStream stream;
  net::SocketIo io{fd.get()};
  std::optional<ProxyPreamble> preamble;
  if (listener.spec.preamble == Preamble::proxy) {
    preamble.emplace(record.peer());
    if (!read_header(context, fd.get(), stream, pool, record, *preamble)) return;
  }
  // The proxy's address, for the close line of a connection that came through one.
  const net::PeerAddress* via = preamble ? &preamble->sender() : nullptr;
  auto last_progress = Clock::now();

  for (;;) {
    const PumpResult result = stream.pump(io, pool, kPumpBudgetBytes, &pipes);
    record.add_in(result.bytes_read);
    record.trace_io(result.bytes_read, result.bytes_written, to_string(result.state));
    if (result.progressed()) last_progress = Clock::now();

    if (result.state == PumpState::finished) {
      // The close sends the FIN: the peer has finished, so nothing unread can
      // turn it into a reset, and a shutdown(2) first would only cost a call.
      end_connection(context, record, CloseReason::eof, 0, 0, via);
      return;
    }
    if (result.state == PumpState::failed) {
      end_connection(context, record, reason_for_error(result.error), stream.pending_bytes(),
                     result.error, via);
      stream.release(pool, &pipes);
      return;
    }

    if (result.state == PumpState::more) {
      if (context.shutdown.draining() && Clock::now() >= context.shutdown.drain_deadline()) {
        finish_for_shutdown(context, fd.get(), stream, pool, pipes, record, via);
        return;
      }
      continue;
    }

    const bool writing = result.state == PumpState::want_write;
    std::optional<Clock::time_point> policy_deadline;
    if (writing && config.write_timeout.count() > 0)
      policy_deadline = last_progress + config.write_timeout;
    if (!writing && config.idle_timeout.count() > 0)
      policy_deadline = last_progress + config.idle_timeout;
    const bool draining = context.shutdown.draining();
    const auto drain_deadline =
        draining ? std::optional(context.shutdown.drain_deadline()) : std::nullopt;

    const auto deadline = earliest(policy_deadline, drain_deadline);
    const int latch = draining ? -1 : context.shutdown.latch_fd();
    if (wait_for(fd.get(), writing ? POLLOUT : POLLIN, deadline, latch)) continue;

    if (drain_deadline && Clock::now() >= *drain_deadline) {
      finish_for_shutdown(context, fd.get(), stream, pool, pipes, record, via);
      return;
    }
    if (policy_deadline && Clock::now() >= *policy_deadline) {
      end_connection(context, record,
                     writing ? CloseReason::write_timeout : CloseReason::idle_timeout,
                     stream.pending_bytes(), 0, via);
      stream.release(pool, &pipes);
      return;
    }
  }
}

}  // namespace echo
