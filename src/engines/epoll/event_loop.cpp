#include "engines/epoll/event_loop.hpp"

#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "core/accept_policy.hpp"
#include "core/log.hpp"
#include "core/preamble_read.hpp"
#include "net/socket.hpp"
#include "net/socket_io.hpp"

namespace echo::epoll {

namespace {

// epoll_event.data for a connection is (generation << 32 | slot). A slot is
// reused after a close with a new generation, so an event queued for the old
// connection in the same epoll_wait batch is recognised as stale and dropped.
constexpr std::uint64_t kSpecial = 0xFFFF'FFFF'0000'0000ULL;
constexpr std::uint64_t kTagWake = kSpecial | 0xFFFF'FFFFULL;
constexpr std::uint64_t kTagLatch = kSpecial | 0xFFFF'FFFEULL;
constexpr std::uint64_t kTagListener = kSpecial;   // | listener index
constexpr std::uint32_t kGenerationMask = 0xFFFF;  // never collides with kSpecial
constexpr std::size_t kMaxListeners = 0xFFFF;      // a listener's index fits the tag

constexpr int kMaxEvents = 256;
constexpr int kAcceptBatch = 64;

std::uint64_t tag_of(std::uint32_t slot, std::uint32_t generation) {
  return (std::uint64_t{generation} << 32) | slot;
}

}  // namespace

EventLoop::EventLoop(ServerContext& context, const std::vector<Listener>& listeners, bool exclusive)
    : context_(context),
      config_(context.config),
      listeners_(listeners),
      exclusive_(exclusive),
      epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      pool_(config_.buffer_size_bytes),
      pipes_(config_.splice_pipes, config_.buffer_size_bytes),
      core_(context, listeners) {
  const auto fail = [](const char* what, int error) {
    throw std::runtime_error(std::string("cannot create event loop: ") + what + ": " +
                             std::strerror(error));
  };
  if (!epoll_fd_ || !wake_fd_) fail("epoll_create1/eventfd", errno);
  epoll_event wake{EPOLLIN, {.u64 = kTagWake}};
  epoll_event latch{EPOLLIN, {.u64 = kTagLatch}};
  if (int e = control(EPOLL_CTL_ADD, wake_fd_.get(), &wake)) fail("epoll_ctl", -e);
  if (int e = control(EPOLL_CTL_ADD, context_.shutdown.latch_fd(), &latch)) fail("epoll_ctl", -e);
  // A listener epoll refuses would leave a loop that silently never accepts:
  // find out now, while the server can still say so and exit.
  if (listeners_.size() > kMaxListeners) fail("too many listeners", EINVAL);
  for (const Listener& listener : listeners_) {
    epoll_event probe{EPOLLIN, {.u64 = kTagListener}};
    if (int e = control(EPOLL_CTL_ADD, listener.fd.get(), &probe))
      fail("cannot watch a listener", -e);
    control(EPOLL_CTL_DEL, listener.fd.get(), nullptr);
  }
}

int EventLoop::control(int op, int fd, epoll_event* event) {
  if (::epoll_ctl(epoll_fd_.get(), op, fd, event) == 0) return 0;
  const int error = errno;
  log::event(log::Level::err, "epoll-ctl-failed",
             {{"op", op == EPOLL_CTL_ADD   ? "add"
                     : op == EPOLL_CTL_DEL ? "del"
                                           : "mod"},
              {"fd", fd},
              {"error", std::strerror(error)}});
  return -error;
}

void EventLoop::wake() const noexcept {
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(wake_fd_.get(), &one, sizeof one);
}

void EventLoop::run() {
  epoll_event events[kMaxEvents];
  core_.tick();
  set_accepting();
  for (;;) {
    if (core_.drain_began()) begin_drain();
    if (core_.drained()) break;

    const int n = ::epoll_wait(epoll_fd_.get(), events, kMaxEvents,
                               ready_.empty() ? core_.next_timeout_ms() : 0);
    core_.tick();
    for (int i = 0; i < n; ++i) handle_event(events[i]);

    ready_next_.swap(ready_);
    for (const std::uint64_t tag : ready_next_) {
      const auto slot = static_cast<std::uint32_t>(tag);
      if (core_[slot].generation == (tag >> 32) && core_[slot].fd) service(slot);
    }
    ready_next_.clear();

    core_.expire([this](std::uint32_t slot, CloseReason reason) { close_connection(slot, reason); },
                 [this](std::uint32_t slot) { service_closing(slot); });
    set_accepting();
    log::flush();
  }
  for (const Listener& listener : listeners_)
    ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, listener.fd.get(), nullptr);
  log::event(log::Level::debug, "splice-pipes",
             {{"created", pipes_.created()}, {"lent", pipes_.lent()}});
}

void EventLoop::handle_event(const epoll_event& event) {
  const std::uint64_t tag = event.data.u64;
  if (tag == kTagWake) {
    std::uint64_t count;
    [[maybe_unused]] const auto n = ::read(wake_fd_.get(), &count, sizeof count);
    core_.limit_lifted();  // a slot freed: try again (set_accepting runs after the batch)
    return;
  }
  if (tag == kTagLatch) {
    if (core_.drain_began()) begin_drain();
    return;
  }
  if ((tag & kSpecial) == kSpecial) {
    if (!core_.draining()) accept_ready(static_cast<std::uint16_t>(tag & 0xFFFF));
    return;
  }
  const auto slot = static_cast<std::uint32_t>(tag);
  if (!core_.slots().contains(slot) || core_[slot].generation != (tag >> 32) || !core_[slot].fd)
    return;
  service(slot);
}

void EventLoop::accept_ready(std::uint16_t listener) {
  const int listen_fd = listeners_[listener].fd.get();
  for (int i = 0; i < kAcceptBatch; ++i) {
    if (!context_.limiter.try_acquire()) {
      core_.hit_limit();  // the failed acquire armed our waker
      set_accepting();
      return;
    }
    net::Address peer;
    const int fd = net::accept_connection(listen_fd, &peer);
    if (fd < 0) {
      context_.limiter.cancel();
      const AcceptFailure failure = core_.accept_failed(-fd);
      if (failure == AcceptFailure::would_block) return;
      if (failure == AcceptFailure::exhausted) {
        set_accepting();
        return;
      }
      continue;
    }
    note_accept_succeeded();
    add_connection(net::UniqueFd(fd), peer, listener);
  }
}

void EventLoop::add_connection(net::UniqueFd fd, const net::Address& peer, std::uint16_t listener) {
  const std::optional<std::uint32_t> admitted = core_.open(std::move(fd), peer, listener);
  if (!admitted) return;  // refused: closed at once
  const std::uint32_t slot = *admitted;
  Connection& c = core_[slot];

  epoll_event event{EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, {.u64 = tag_of(slot, c.generation)}};
  if (int e = control(EPOLL_CTL_ADD, c.fd.get(), &event)) {
    close_connection(slot, CloseReason::error, -e);
    return;
  }
  if (core_.final_phase()) {
    // Accepted just before the listener closed, after the drain deadline.
    if (c.phase == Phase::preamble) {
      close_connection(slot, CloseReason::shutdown);
      return;
    }
    core_.begin_final_flush(slot);
    service_closing(slot);
  }
}

bool EventLoop::serve_preamble(std::uint32_t slot) {
  Connection& c = core_[slot];
  net::SocketIo io{c.fd.get()};
  const PreambleRead read = read_preamble(io, c.stream, pool_, [&](std::span<std::byte> bytes) {
    return core_.take_preamble(slot, bytes);
  });
  switch (read.state) {
    case PreambleRead::State::want_read:
      return false;  // still under --proxy-timeout, counted from the accept
    case PreambleRead::State::done:
      c.record.add_in(read.leftover);
      return true;
    case PreambleRead::State::refused:
      close_connection(slot, CloseReason::proxy_invalid);
      return false;
    case PreambleRead::State::eof:
      close_connection(slot, CloseReason::eof);
      return false;
    case PreambleRead::State::failed:
      close_connection(slot, reason_for_error(read.error), read.error);
      return false;
  }
  return false;
}

void EventLoop::service(std::uint32_t slot) {
  Connection& c = core_[slot];
  if (c.phase == Phase::preamble && !serve_preamble(slot)) return;
  if (c.phase != Phase::serving) {
    service_closing(slot);
    return;
  }
  net::SocketIo io{c.fd.get()};
  const PumpResult result =
      c.stream.pump(io, pool_, LoopCore<Connection>::kTurnBudgetBytes, &pipes_);
  c.record.add_in(result.bytes_read);
  c.record.trace_io(result.bytes_read, result.bytes_written, to_string(result.state));
  switch (result.state) {
    case PumpState::finished:
      // The close sends the FIN (nothing unread: the peer has finished).
      close_connection(slot, CloseReason::eof);
      return;
    case PumpState::failed:
      close_connection(slot, reason_for_error(result.error), result.error);
      return;
    case PumpState::want_read:
      core_.wait(slot, Wait::input, result.progressed());
      return;
    case PumpState::want_write:
      core_.wait(slot, Wait::output, result.progressed());
      return;
    case PumpState::more:
      core_.wait(slot, Wait::input, true);
      ready_.push_back(tag_of(slot, c.generation));
      return;
  }
}

void EventLoop::service_closing(std::uint32_t slot) {
  Connection& c = core_[slot];
  if (c.phase == Phase::final_flush) {
    net::SocketIo io{c.fd.get()};
    const PumpResult result = c.stream.pump(io, pool_, 0, &pipes_);
    if (result.state == PumpState::want_write) return;
    if (result.state == PumpState::failed) {
      close_connection(slot, reason_for_error(result.error), result.error);
      return;
    }
    ::shutdown(c.fd.get(), SHUT_WR);
    c.phase = Phase::fin_sent;
  }
  for (;;) {
    const ssize_t n = net::discard_input(c.fd.get());
    if (n > 0) continue;
    if (n == -EAGAIN) return;
    close_connection(slot, CloseReason::shutdown);
    return;
  }
}

void EventLoop::close_connection(std::uint32_t slot, CloseReason reason, int error) {
  core_.close(slot, reason, error);
  Connection& c = core_[slot];
  c.stream.release(pool_, &pipes_);
  c.stream = EchoStream{};
  c.fd.reset();
  c.generation = (c.generation + 1) & kGenerationMask;
  core_.slots().release(slot);
}

void EventLoop::begin_drain() {
  ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, context_.shutdown.latch_fd(), nullptr);
  set_accepting();
}

void EventLoop::set_accepting() {
  const bool wanted = core_.accepting_wanted();
  if (wanted == listening_) return;
  listening_ = wanted;
  for (std::size_t i = 0; i < listeners_.size(); ++i) {
    if (!wanted) {
      control(EPOLL_CTL_DEL, listeners_[i].fd.get(), nullptr);
      continue;
    }
    epoll_event event{EPOLLIN | (exclusive_ ? EPOLLEXCLUSIVE : 0u), {.u64 = kTagListener | i}};
    if (control(EPOLL_CTL_ADD, listeners_[i].fd.get(), &event) != 0) {
      // Unwatched, nothing would ever be accepted from it: undo, and try again
      // after a back-off rather than go deaf (or spin).
      for (std::size_t j = 0; j < i; ++j) control(EPOLL_CTL_DEL, listeners_[j].fd.get(), nullptr);
      listening_ = false;
      core_.back_off();
      return;
    }
  }
}

}  // namespace echo::epoll
