// The submission side of one io_uring loop. SQEs are prepared during a turn and
// reach the kernel with the next wait, so a turn costs one io_uring_enter. When
// the queue fills mid-turn, what is prepared is submitted at once; if the kernel
// will not take it now (it wants completions reaped first), later SQEs wait in
// an overflow queue, in order, and go first at the next turn -- never a loop
// around a submit that keeps failing. Also counts the operations in flight, so
// the exit knows when the kernel is done with the loop's memory.
#pragma once

#include <liburing.h>

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>

#include "engines/uring/ring.hpp"

namespace echo::uring {

class Submissions {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Submissions(Ring& ring) : ring_(ring) {}

  // An SQE to prepare; never null. Every one is an operation in flight until
  // its last completion is reaped.
  io_uring_sqe* next();

  // Submits everything prepared (the overflow first) and waits for at least one
  // completion, or until deadline. Failures are logged, never fatal: the next
  // turn tries again.
  void submit_and_wait(std::optional<Clock::time_point> deadline);

  // Calls handle(user_data, result, flags) for every completion ready.
  template <class Handle>
  void reap(Handle&& handle) {
    unsigned head;
    unsigned seen = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(ring_.get(), head, cqe) {
      if (!(cqe->flags & IORING_CQE_F_MORE) && cqe->user_data != LIBURING_UDATA_TIMEOUT)
        --in_flight_;
      handle(cqe->user_data, cqe->res, cqe->flags);
      ++seen;
    }
    io_uring_cq_advance(ring_.get(), seen);
  }

  // Cancels every operation still armed and waits, at most `wait`, for their
  // completions. True when the kernel has reported every operation back.
  bool cancel_all(std::chrono::milliseconds wait);

  std::size_t in_flight() const noexcept { return in_flight_; }

 private:
  // Moves overflow SQEs into the ring while it has room; false if some remain.
  bool drain_overflow();
  // io_uring_submit with its result looked at: false if the kernel took nothing.
  bool submit_now();
  void log_failure(const char* what, int error);

  Ring& ring_;
  std::deque<io_uring_sqe> overflow_;
  std::size_t in_flight_ = 0;
  int last_error_ = 0;  // the last failure logged, so a repeating one is logged once
};

}  // namespace echo::uring
