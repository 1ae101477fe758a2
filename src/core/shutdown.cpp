#include "core/shutdown.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>
#include <thread>

#include "core/log.hpp"

namespace echo {

Shutdown::Shutdown(std::chrono::milliseconds drain_timeout)
    : drain_timeout_(drain_timeout), latch_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (!latch_) throw std::runtime_error("eventfd failed");
}

void Shutdown::begin() {
  if (draining_.load(std::memory_order_acquire)) return;
  const auto deadline = Clock::now() + drain_timeout_;
  deadline_ticks_.store(deadline.time_since_epoch().count(), std::memory_order_relaxed);
  draining_.store(true, std::memory_order_release);
  // shutdown(2) on a listening socket makes the kernel refuse new connects; the
  // descriptor stays valid, so no engine can race with a reused number.
  for (int fd : listener_fds_) ::shutdown(fd, SHUT_RDWR);
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto written = ::write(latch_.get(), &one, sizeof one);
}

Shutdown::Clock::time_point Shutdown::drain_deadline() const noexcept {
  return Clock::time_point(Clock::duration(deadline_ticks_.load(std::memory_order_relaxed)));
}

void Shutdown::install_signal_handling() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // The waiter outlives main's locals only until exit(), which it never touches.
  std::thread([this, set] {
    for (;;) {
      int signal_number = 0;
      if (sigwait(&set, &signal_number) != 0) continue;
      if (!draining()) {
        log::event(log::Level::info, "draining",
                   {{"signal", sigabbrev_np(signal_number)},
                    {"drain_timeout_ms", drain_timeout_.count()}});
        begin();
      } else {
        log::event(log::Level::warn, "exit-now", {{"signal", sigabbrev_np(signal_number)}});
        spdlog::default_logger()->flush();
        ::_exit(128 + signal_number);
      }
    }
  }).detach();
}

}  // namespace echo
