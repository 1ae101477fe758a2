#include "engines/uring/event_loop.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

#include "core/log.hpp"

namespace echo::uring {

namespace {

// Submission queue entries per ring; the completion queue is twice that, and
// the kernel keeps overflowing completions rather than dropping them.
constexpr unsigned kRingEntries = 1024;
// The provided buffers of one loop: about this many bytes, within these counts.
constexpr std::size_t kBufferRingBytes = 32 * 1024 * 1024;
constexpr unsigned kMinBuffers = 16;
constexpr unsigned kMaxBuffers = 4096;
// Buffers the kernel holds at least (see BufferRing): few, so they stay in cache.
constexpr unsigned kMinRingTarget = 8;
constexpr std::uint16_t kBufferGroup = 0;
// At exit, how long to wait for cancelled operations to report back.
constexpr auto kExitCancelWait = std::chrono::milliseconds(500);
// How long a connection's recv waits for input before it is parked (parking.hpp).
constexpr unsigned kParkAfterMs = 1000;

unsigned buffer_count(std::size_t buffer_bytes) {
  const std::size_t wanted =
      std::clamp<std::size_t>(kBufferRingBytes / buffer_bytes, kMinBuffers, kMaxBuffers);
  return std::bit_floor(static_cast<unsigned>(wanted));  // buffer rings come in powers of two
}

// For tests: ECHO_URING_RING_ENTRIES makes a ring this small (so the queue
// fills mid-turn), ECHO_URING_EXIT_WAIT_MS shortens the exit's wait for
// cancelled operations (so it gives up with some still in flight),
// ECHO_URING_PARK_AFTER_MS sets the parking threshold (0: park every recv
// still waiting one turn after it was submitted).
unsigned env_or(const char* name, unsigned fallback) {
  const char* text = std::getenv(name);
  if (!text || !*text) return fallback;
  char* end = nullptr;
  const unsigned long value = std::strtoul(text, &end, 10);
  return (end && *end == '\0' && value <= 1u << 16) ? static_cast<unsigned>(value) : fallback;
}

std::optional<std::chrono::steady_clock::time_point> earliest(
    std::optional<std::chrono::steady_clock::time_point> a,
    std::optional<std::chrono::steady_clock::time_point> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

[[noreturn]] void fail_setup(const std::string& what, int error) {
  throw std::runtime_error("cannot use io_uring: " + what + ": " + std::strerror(error));
}

}  // namespace

EventLoop::EventLoop(ServerContext& context, const std::vector<Listener>& listeners, bool)
    : context_(context),
      config_(context.config),
      listeners_(listeners),
      wake_fd_(::eventfd(0, EFD_CLOEXEC)),
      kernel_(std::make_unique<KernelMemory>(listeners_.size() * kAcceptsPerListener,
                                             config_.buffer_size_bytes)),
      pipes_(config_.splice_pipes, config_.buffer_size_bytes),
      core_(context, listeners) {
  if (!wake_fd_) fail_setup("eventfd", errno);
  for (std::uint32_t i = 0; i < listeners_.size() * kAcceptsPerListener; ++i) {
    accepts_.push_back({.listener = i / kAcceptsPerListener});
  }
  accepts_idle_ = accepts_.size();
  if (const int result = ring_.init(env_or("ECHO_URING_RING_ENTRIES", kRingEntries), true);
      result < 0) {
    throw std::runtime_error("cannot use io_uring: " + describe_setup_failure(-result));
  }
  if (const int result =
          buffers_.init(ring_.get(), kBufferGroup, buffer_count(config_.buffer_size_bytes),
                        config_.buffer_size_bytes, kMinRingTarget);
      result < 0) {
    fail_setup("registering the buffer ring", -result);
  }
  files_.init(ring_.get(), config_.max_connections);
  if (!parking_.init(std::chrono::milliseconds(env_or("ECHO_URING_PARK_AFTER_MS", kParkAfterMs)))) {
    // Idle connections keep their recvs armed in the ring: more kernel memory, same behaviour.
    log::event(log::Level::warn, "uring-parking-unavailable", {{"error", std::strerror(errno)}});
  }
  // Every loop's ring gets the same mode: say it once.
  static std::once_flag logged;
  std::call_once(logged, [this] {
    log::event(log::Level::info, "uring-ring",
               {{"mode", ring_mode()}, {"files", files_.mode_name()}});
  });
}

EventLoop::~EventLoop() = default;

void EventLoop::wake() const noexcept {
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(wake_fd_.get(), &one, sizeof one);
}

void EventLoop::run() {
  if (const int result = ring_.enable(); result < 0) {
    // Cannot happen after a successful init on a kernel that has SINGLE_ISSUER;
    // nothing is served by this loop if it does.
    log::event(log::Level::err, "uring-enable-failed", {{"error", std::strerror(-result)}});
    return;
  }
  core_.tick();
  arm_wake();
  arm_latch();
  set_accepting();
  if (parking_.enabled()) arm_parking_poll();
  const auto dispatch = [this](std::uint64_t user_data, int result, std::uint32_t flags) {
    handle_completion(user_data, result, flags);
  };
  for (;;) {
    if (core_.drain_began()) set_accepting();  // cancels the accepts still armed
    if (core_.drained()) break;

    buffers_.refill();
    submissions_.submit_and_wait(
        earliest(core_.next_deadline(), parking_.next_deadline(core_.now())));
    ++turn_;
    core_.tick();
    submissions_.reap(dispatch);
    core_.expire([this](std::uint32_t slot, CloseReason reason) { close_connection(slot, reason); },
                 [this](std::uint32_t slot) { flush_for_shutdown(slot); });
    if (parking_.enabled()) sweep_parking();
    set_accepting();
    log::flush();  // the turn's open/close lines in one write
  }
  exit_loop();
}

void EventLoop::exit_loop() {
  // The kernel must be done with every buffer (and the wake counter, and the
  // accepts' addresses) before this loop's memory goes.
  const auto wait = std::chrono::milliseconds(
      env_or("ECHO_URING_EXIT_WAIT_MS", static_cast<unsigned>(kExitCancelWait.count())));
  if (!submissions_.cancel_all(wait)) {
    // Some never reported back: leave what they may write into allocated and
    // mapped; the process is ending anyway.
    log::event(log::Level::warn, "uring-exit-incomplete",
               {{"in_flight", submissions_.in_flight()}});
    buffers_.abandon();
    // Reachable from a global, so leak checkers do not count it either.
    static std::vector<KernelMemory*>* const abandoned = new std::vector<KernelMemory*>;
    abandoned->push_back(kernel_.release());
  }
  log::event(log::Level::debug, "uring-buffers",
             {{"ring_target", buffers_.target()}, {"exhausted", buffers_.exhausted_count()}});
  log::event(log::Level::debug, "splice-pipes",
             {{"created", pipes_.created()}, {"lent", pipes_.lent()}});
  log::event(log::Level::debug, "uring-parking",
             {{"parked", parking_.parked()}, {"unparked", parking_.unparked()}});
}

void EventLoop::handle_completion(std::uint64_t user_data, int result, std::uint32_t flags) {
  if (user_data == LIBURING_UDATA_TIMEOUT) return;  // liburing's own wait timeout on old kernels
  const Tag tag = decode_tag(user_data);
  switch (tag.kind) {
    case TagKind::accept:
      handle_accept(tag, result);
      return;
    case TagKind::wake:
      handle_wake(result);
      return;
    case TagKind::latch:
      if (core_.drain_began()) set_accepting();
      return;
    case TagKind::parking:
      handle_parking_poll(result);
      return;
    case TagKind::cancel:
    case TagKind::none:
      return;
    case TagKind::recv:
    case TagKind::send:
    case TagKind::readable:
    case TagKind::discard:
    case TagKind::ready:
    case TagKind::install:
      handle_connection(tag, result, flags);
      return;
  }
}

void EventLoop::arm_wake() {
  io_uring_sqe* sqe = submissions_.next();
  io_uring_prep_read(sqe, wake_fd_.get(), &kernel_->wake_count, sizeof kernel_->wake_count, 0);
  io_uring_sqe_set_data64(sqe, make_tag(TagKind::wake, 0));
}

void EventLoop::arm_latch() {
  // The latch stays readable once set, so one single-shot poll is enough.
  io_uring_sqe* sqe = submissions_.next();
  io_uring_prep_poll_add(sqe, context_.shutdown.latch_fd(), POLLIN);
  io_uring_sqe_set_data64(sqe, make_tag(TagKind::latch, 0));
}

void EventLoop::handle_wake(int result) {
  if (result == -ECANCELED) return;
  arm_wake();
  core_.limit_lifted();  // a slot freed somewhere: set_accepting tries again
}

}  // namespace echo::uring
