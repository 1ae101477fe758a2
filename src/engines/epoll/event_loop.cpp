#include "engines/epoll/event_loop.hpp"

#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "core/accept_policy.hpp"
#include "core/connection_setup.hpp"
#include "core/log.hpp"
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

constexpr int kMaxEvents = 256;
constexpr int kAcceptBatch = 64;
// Bytes one connection may move per turn before others get theirs.
constexpr std::size_t kTurnBudgetBytes = 256 * 1024;

std::uint64_t tag_of(std::uint32_t slot, std::uint32_t generation) {
  return (std::uint64_t{generation} << 32) | slot;
}

}  // namespace

EventLoop::EventLoop(ServerContext& context, std::vector<int> listeners, bool exclusive)
    : context_(context),
      config_(context.config),
      listeners_(std::move(listeners)),
      exclusive_(exclusive),
      epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      pool_(config_.buffer_size_bytes),
      pipes_(config_.splice_pipes, config_.buffer_size_bytes),
      idle_list_(1, config_.idle_timeout),
      write_list_(2, config_.write_timeout),
      closing_list_(3, Shutdown::kFinalFlush) {
  if (!epoll_fd_ || !wake_fd_) {
    throw std::runtime_error(std::string("cannot create event loop: ") + std::strerror(errno));
  }
  epoll_event wake{EPOLLIN, {.u64 = kTagWake}};
  epoll_event latch{EPOLLIN, {.u64 = kTagLatch}};
  ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, wake_fd_.get(), &wake);
  ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, context_.shutdown.latch_fd(), &latch);
  slots_.reserve(config_.max_connections);  // any loop may end up holding them all
}

void EventLoop::wake() const noexcept {
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(wake_fd_.get(), &one, sizeof one);
}

void EventLoop::run() {
  epoll_event events[kMaxEvents];
  now_ = Clock::now();
  set_accepting();
  for (;;) {
    if (!draining_ && context_.shutdown.draining()) begin_drain();
    if (draining_ && live_ == 0) break;

    const int n = ::epoll_wait(epoll_fd_.get(), events, kMaxEvents, next_timeout_ms());
    now_ = Clock::now();
    for (int i = 0; i < n; ++i) handle_event(events[i]);

    ready_next_.swap(ready_);
    for (const std::uint64_t tag : ready_next_) {
      const auto slot = static_cast<std::uint32_t>(tag);
      if (slots_[slot].generation == (tag >> 32) && slots_[slot].fd) service(slot);
    }
    ready_next_.clear();

    expire_timers();
    set_accepting();
    log::flush();
  }
  for (int fd : listeners_) ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, fd, nullptr);
  log::event(log::Level::debug, "splice-pipes",
             {{"created", pipes_.created()}, {"lent", pipes_.lent()}});
}

void EventLoop::handle_event(const epoll_event& event) {
  const std::uint64_t tag = event.data.u64;
  if (tag == kTagWake) {
    std::uint64_t count;
    [[maybe_unused]] const auto n = ::read(wake_fd_.get(), &count, sizeof count);
    at_limit_ = false;  // a slot freed: try again (set_accepting runs after the batch)
    return;
  }
  if (tag == kTagLatch) {
    begin_drain();
    return;
  }
  if ((tag & kSpecial) == kSpecial) {
    if (!draining_) accept_ready(listeners_.at(tag & 0xFFFF));
    return;
  }
  const auto slot = static_cast<std::uint32_t>(tag);
  if (!slots_.contains(slot) || slots_[slot].generation != (tag >> 32) || !slots_[slot].fd) return;
  service(slot);
}

void EventLoop::accept_ready(int listen_fd) {
  for (int i = 0; i < kAcceptBatch; ++i) {
    if (!context_.limiter.try_acquire()) {
      at_limit_ = true;  // the failed acquire armed our waker
      set_accepting();
      return;
    }
    net::Address peer;
    const int fd = net::accept_connection(listen_fd, &peer);
    if (fd < 0) {
      context_.limiter.cancel();
      const AcceptFailure failure = classify_accept_failure(-fd);
      if (failure == AcceptFailure::would_block) return;
      if (failure == AcceptFailure::exhausted) {
        backoff_until_ = now_ + kAcceptBackoff;
        set_accepting();
        return;
      }
      continue;
    }
    note_accept_succeeded();
    if (context_.admission.admit(net::PeerAddress(peer)) != Refusal::none) {
      net::UniqueFd refused(fd);  // closed at once
      context_.limiter.cancel();  // a refused client never holds a slot
      continue;
    }
    add_connection(net::UniqueFd(fd), peer);
  }
}

void EventLoop::add_connection(net::UniqueFd fd, const net::Address& peer) {
  configure_connection(fd.get(), config_);
  const std::uint32_t slot = slots_.acquire();
  Connection& c = slots_[slot];
  c.fd = std::move(fd);
  c.record = ConnectionRecord(peer);
  c.phase = Phase::serving;
  ++live_;

  epoll_event event{EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, {.u64 = tag_of(slot, c.generation)}};
  if (::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, c.fd.get(), &event) != 0) {
    close_connection(slot, CloseReason::error, errno);
    return;
  }
  wait_in(slot, &idle_list_, true);
}

void EventLoop::service(std::uint32_t slot) {
  Connection& c = slots_[slot];
  if (c.phase != Phase::serving) {
    service_closing(slot);
    return;
  }
  net::SocketIo io{c.fd.get()};
  const PumpResult result = c.stream.pump(io, pool_, kTurnBudgetBytes, &pipes_);
  c.record.add_in(result.bytes_read);
  c.record.trace_io(result.bytes_read, result.bytes_written, to_string(result.state));
  switch (result.state) {
    case PumpState::finished:
      ::shutdown(c.fd.get(), SHUT_WR);
      close_connection(slot, CloseReason::eof);
      return;
    case PumpState::failed:
      close_connection(slot, reason_for_error(result.error), result.error);
      return;
    case PumpState::want_read:
      wait_in(slot, &idle_list_, result.progressed());
      return;
    case PumpState::want_write:
      wait_in(slot, &write_list_, result.progressed());
      return;
    case PumpState::more:
      wait_in(slot, &idle_list_, true);
      ready_.push_back(tag_of(slot, c.generation));
      return;
  }
}

void EventLoop::service_closing(std::uint32_t slot) {
  Connection& c = slots_[slot];
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

void EventLoop::wait_in(std::uint32_t slot, TimerList* list, bool progressed) {
  TimerLink& link = slots_[slot].timer;
  TimerList* current = link.list == idle_list_.id()      ? &idle_list_
                       : link.list == write_list_.id()   ? &write_list_
                       : link.list == closing_list_.id() ? &closing_list_
                                                         : nullptr;
  if (current == list && !progressed) return;  // still waiting since the same moment
  if (current) current->remove(slots_, slot);
  if (list && list->enabled()) list->push_back(slots_, slot, now_);
}

void EventLoop::close_connection(std::uint32_t slot, CloseReason reason, int error) {
  Connection& c = slots_[slot];
  wait_in(slot, nullptr, true);
  c.record.log_close(reason, c.stream.pending_bytes(), error);
  c.stream.release(pool_, &pipes_);
  c.stream = EchoStream{};
  c.fd.reset();
  c.generation = (c.generation + 1) & kGenerationMask;
  c.phase = Phase::serving;
  slots_.release(slot);
  --live_;
  context_.limiter.release();
  context_.admission.release(c.record.peer());
  // A descriptor just came free: no need to wait out an EMFILE back-off.
  if (backoff_until_ > now_) backoff_until_ = now_;
}

void EventLoop::begin_drain() {
  if (draining_) return;
  draining_ = true;
  ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, context_.shutdown.latch_fd(), nullptr);
  set_accepting();
}

void EventLoop::start_final_flush() {
  final_phase_ = true;
  for (std::uint32_t slot = 0; slot < slots_.size(); ++slot) {
    Connection& c = slots_[slot];
    if (!c.fd || c.phase != Phase::serving) continue;
    c.stream.stop_reading();
    c.phase = Phase::final_flush;
    wait_in(slot, &closing_list_, true);
    service_closing(slot);
  }
}

void EventLoop::expire_timers() {
  if (draining_ && !final_phase_ && now_ >= context_.shutdown.drain_deadline()) {
    start_final_flush();
  }
  const auto expire = [this](TimerList& list, CloseReason reason) {
    while (!list.empty() && list.front_deadline(slots_) <= now_) {
      close_connection(list.front(), reason);
    }
  };
  expire(idle_list_, CloseReason::idle_timeout);
  expire(write_list_, CloseReason::write_timeout);
  expire(closing_list_, CloseReason::shutdown);
}

int EventLoop::next_timeout_ms() const {
  if (!ready_.empty()) return 0;
  std::optional<Clock::time_point> next;
  const auto consider = [&next](Clock::time_point t) {
    if (!next || t < *next) next = t;
  };
  if (!idle_list_.empty()) consider(idle_list_.front_deadline(slots_));
  if (!write_list_.empty()) consider(write_list_.front_deadline(slots_));
  if (!closing_list_.empty()) consider(closing_list_.front_deadline(slots_));
  if (draining_ && !final_phase_) consider(context_.shutdown.drain_deadline());
  if (backoff_until_ > now_) consider(backoff_until_);
  if (!next) return -1;
  const auto wait = std::chrono::ceil<std::chrono::milliseconds>(*next - Clock::now());
  return wait.count() < 0 ? 0 : static_cast<int>(wait.count());
}

void EventLoop::set_accepting() {
  const bool wanted = !draining_ && !at_limit_ && now_ >= backoff_until_;
  if (wanted == listening_) return;
  listening_ = wanted;
  for (std::size_t i = 0; i < listeners_.size(); ++i) {
    if (wanted) {
      epoll_event event{EPOLLIN | (exclusive_ ? EPOLLEXCLUSIVE : 0u), {.u64 = kTagListener | i}};
      ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, listeners_[i], &event);
    } else {
      ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, listeners_[i], nullptr);
    }
  }
}

}  // namespace echo::epoll
