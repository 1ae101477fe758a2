#include "engines/uring/submissions.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/log.hpp"

namespace echo::uring {

io_uring_sqe* Submissions::next() {
  ++in_flight_;
  if (overflow_.empty()) {
    if (io_uring_sqe* sqe = io_uring_get_sqe(ring_.get())) return sqe;
    // The queue is full: hand what is prepared to the kernel and go on.
    if (submit_now()) {
      if (io_uring_sqe* sqe = io_uring_get_sqe(ring_.get())) return sqe;
    }
  }
  // Kept in order behind the others; the next turn submits them first.
  io_uring_sqe& sqe = overflow_.emplace_back();
  std::memset(&sqe, 0, sizeof sqe);
  return &sqe;
}

bool Submissions::submit_now() {
  const int result = io_uring_submit(ring_.get());
  if (result >= 0) return true;
  if (result != -EINTR && result != -EAGAIN && result != -EBUSY) log_failure("submit", -result);
  return false;
}

bool Submissions::drain_overflow() {
  while (!overflow_.empty()) {
    io_uring_sqe* sqe = io_uring_get_sqe(ring_.get());
    if (!sqe && submit_now()) sqe = io_uring_get_sqe(ring_.get());
    if (!sqe) return false;
    *sqe = overflow_.front();
    overflow_.pop_front();
  }
  return true;
}

void Submissions::submit_and_wait(std::optional<Clock::time_point> deadline) {
  // With SQEs still waiting, wait for nothing: reap, and come back for them.
  if (!drain_overflow()) deadline = Clock::now();
  int result;
  if (!deadline) {
    result = io_uring_submit_and_wait(ring_.get(), 1);
  } else {
    const auto wait = std::max(*deadline - Clock::now(), Clock::duration::zero());
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(wait);
    __kernel_timespec timeout{};
    timeout.tv_sec = seconds.count();
    timeout.tv_nsec = std::chrono::duration_cast<std::chrono::nanoseconds>(wait - seconds).count();
    io_uring_cqe* cqe = nullptr;
    result = io_uring_submit_and_wait_timeout(ring_.get(), &cqe, 1, &timeout, nullptr);
  }
  // -ETIME (a timer is due) and -EINTR end the wait; -EBUSY and -EAGAIN ask for
  // completions to be reaped first, which the turn does next.
  if (result < 0 && result != -ETIME && result != -EINTR && result != -EBUSY && result != -EAGAIN)
    log_failure("submit_and_wait", -result);
  else if (result >= 0)
    last_error_ = 0;
}

bool Submissions::cancel_all(std::chrono::milliseconds wait) {
  io_uring_sqe* sqe = next();
  io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL);
  io_uring_sqe_set_data64(sqe, 0);  // kind none: nothing to do on completion
  const auto give_up_at = Clock::now() + wait;
  while (in_flight_ > 0 && Clock::now() < give_up_at) {
    submit_and_wait(give_up_at);
    reap([](std::uint64_t, int, std::uint32_t) {});
  }
  return in_flight_ == 0;
}

void Submissions::log_failure(const char* what, int error) {
  if (error == last_error_) return;
  last_error_ = error;
  log::event(log::Level::err, "uring-submit-failed",
             {{"call", what}, {"error", std::strerror(error)}});
}

}  // namespace echo::uring
