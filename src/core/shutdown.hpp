// Graceful shutdown, shared by all engines. The first SIGINT/SIGTERM starts the
// drain: engines stop accepting at once and keep serving until their connections
// end or the drain deadline passes; then they echo what they hold, send FIN and
// close. A second signal ends the process at once.
//
// Engines learn of the drain through latch_fd(): an eventfd that becomes readable
// on the first signal and stays readable, so any number of poll/epoll sets can
// watch it without consuming it.
#pragma once

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "net/unique_fd.hpp"

namespace echo {

class Shutdown {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Shutdown(std::chrono::milliseconds drain_timeout);
  // Stops and joins the signal thread, so it never outlives what it touches.
  ~Shutdown();
  Shutdown(const Shutdown&) = delete;
  Shutdown& operator=(const Shutdown&) = delete;

  // Blocks SIGINT and SIGTERM in the calling thread. Call it first in main,
  // before any thread starts (the logger's flusher included), so every thread
  // inherits the mask and only the signal thread ever sees these signals.
  static void block_signals();
  // Starts the thread that waits for the signals (blocking them too, if needed).
  void install_signal_handling();

  // Starts the drain as if a signal had come (tests and embedders). The listeners
  // named here are shut down at once, from the signalling thread, so new connects
  // are refused even while an engine is busy; their owners still close them.
  // Returns true for the call that started it, false if it had begun already.
  bool begin();
  void set_listeners(std::vector<int> fds) { listener_fds_ = std::move(fds); }

  bool draining() const noexcept { return draining_.load(std::memory_order_acquire); }
  int latch_fd() const noexcept { return latch_.get(); }
  // Valid once draining(): when open connections must be wound up.
  Clock::time_point drain_deadline() const noexcept;
  std::chrono::milliseconds drain_timeout() const noexcept { return drain_timeout_; }

  // After the drain deadline, a connection gets at most this long to finish
  // writing what it holds and to see its peer close after our FIN.
  static constexpr std::chrono::milliseconds kFinalFlush{1000};

 private:
  std::chrono::milliseconds drain_timeout_;
  net::UniqueFd latch_;
  std::atomic<bool> begun_{false};
  std::atomic<bool> draining_{false};
  std::atomic<Clock::rep> deadline_ticks_{0};
  std::vector<int> listener_fds_;
  net::UniqueFd stop_;  // eventfd: tells the signal thread to end
  std::thread signal_thread_;
};

}  // namespace echo
