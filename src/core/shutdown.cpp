#include "core/shutdown.hpp"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
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

Shutdown::~Shutdown() {
  if (!signal_thread_.joinable()) return;
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto written = ::write(stop_.get(), &one, sizeof one);
  signal_thread_.join();
}

bool Shutdown::begin() {
  // One caller wins, even when a signal and an embedder call race: the
  // deadline is set and the listeners are shut exactly once.
  if (begun_.exchange(true, std::memory_order_acq_rel)) return false;
  const auto deadline = Clock::now() + drain_timeout_;
  deadline_ticks_.store(deadline.time_since_epoch().count(), std::memory_order_relaxed);
  // shutdown(2) on a listening socket makes the kernel refuse new connects; the
  // descriptor stays valid, so no engine can race with a reused number. This
  // comes first: once anyone can see the drain, connects are already refused.
  for (int fd : listener_fds_) ::shutdown(fd, SHUT_RDWR);
  draining_.store(true, std::memory_order_release);
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto written = ::write(latch_.get(), &one, sizeof one);
  return true;
}

Shutdown::Clock::time_point Shutdown::drain_deadline() const noexcept {
  return Clock::time_point(Clock::duration(deadline_ticks_.load(std::memory_order_relaxed)));
}

namespace {
sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}
}  // namespace

void Shutdown::block_signals() {
  const sigset_t set = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void Shutdown::install_signal_handling() {
  block_signals();
  const sigset_t set = shutdown_signals();
  net::UniqueFd signals(::signalfd(-1, &set, SFD_CLOEXEC));
  stop_ = net::UniqueFd(::eventfd(0, EFD_CLOEXEC));
  if (!signals || !stop_) throw std::runtime_error("cannot set up signal handling");

  signal_thread_ = std::thread([this, signals = std::move(signals)] {
    pollfd fds[2] = {{signals.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
    for (;;) {
      if (::poll(fds, 2, -1) < 0) continue;  // EINTR
      if (fds[1].revents & POLLIN) return;
      signalfd_siginfo info{};
      if (::read(signals.get(), &info, sizeof info) != sizeof info) continue;
      const int signal_number = static_cast<int>(info.ssi_signo);
      if (begin()) {
        log::event(log::Level::info, "draining",
                   {{"signal", sigabbrev_np(signal_number)},
                    {"drain_timeout_ms", drain_timeout_.count()}});
        log::flush();
      } else {
        log::event(log::Level::warn, "exit-now", {{"signal", sigabbrev_np(signal_number)}});
        spdlog::default_logger()->flush();
        // exit_group(2) rather than _exit(3): the same for the kernel, but
        // sanitizer runtimes intercept _exit to run their end-of-process checks,
        // and those would flag the loop threads this exit abandons by design.
        ::syscall(SYS_exit_group, 128 + signal_number);
      }
    }
  });
}

}  // namespace echo
