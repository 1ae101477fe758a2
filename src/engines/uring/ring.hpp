// io_uring set-up and feature probing for the uring engine. A Ring owns one
// io_uring instance; init() picks the cheapest task-running mode the kernel
// accepts. unavailable_reason() answers, once per process start, whether this
// kernel (and this sandbox) lets the engine run at all, and if not, why.
//
// Needs Linux 5.19 or later (multishot accept, provided buffer rings); 6.1+ for
// DEFER_TASKRUN. Try it: `echo-server --engine uring`, or `--engine auto`, which
// falls back to epoll with a `uring-unavailable` warning naming the reason.
#pragma once

#include <liburing.h>

#include <optional>
#include <string>

namespace echo::uring {

class Ring {
 public:
  Ring() = default;
  ~Ring();
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  // Tries SINGLE_ISSUER|DEFER_TASKRUN, then COOP_TASKRUN, then no flags, moving
  // on only on -EINVAL (an older kernel). With start_disabled, a SINGLE_ISSUER
  // ring is created disabled so that enable() can bind it to the thread that
  // will use it. Returns 0 or -errno from the last attempt.
  //
  // For tests of the fallback, the environment variable ECHO_URING_REFUSE (a
  // comma-separated list of "defer_taskrun", "coop_taskrun") makes init treat
  // those attempts as if the kernel had answered -EINVAL, as a kernel older
  // than 6.1 (5.19) would.
  int init(unsigned entries, bool start_disabled);
  // Call on the thread that submits: enables a ring created disabled.
  int enable();

  io_uring* get() noexcept { return &ring_; }
  unsigned flags() const noexcept { return flags_; }
  // "defer_taskrun", "coop_taskrun" or "plain": how completions' task work runs.
  const char* mode_name() const noexcept;

 private:
  io_uring ring_{};
  unsigned flags_ = 0;
  bool initialised_ = false;
};

// Why the uring engine cannot run here (kernel too old, an opcode missing,
// io_uring disabled by sysctl, refused by seccomp, out of memory), or nullopt
// if it can.
std::optional<std::string> unavailable_reason();

// Words for a failed io_uring_setup (error is a positive errno).
std::string describe_setup_failure(int error);

}  // namespace echo::uring
