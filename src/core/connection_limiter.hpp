// --max-connections as a counting semaphore shared by every engine thread. An
// engine that cannot acquire a slot stops accepting (clients wait in the listen
// backlog, as with a semaphore) until its waker is called: every failed
// try_acquire arms the wakers, and the next release calls them all.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>
#include <vector>

namespace echo {

class ConnectionLimiter {
 public:
  explicit ConnectionLimiter(std::size_t max_connections) : max_(max_connections) {}

  // Takes a slot, or returns false at the limit (logging the first time it is hit).
  bool try_acquire();
  // Frees a slot and wakes whoever failed to acquire since the last wake.
  void release();
  // Gives back a slot taken for an accept that found no connection. It wakes the
  // waiters too (they may have failed because of it) but logs nothing: the limit
  // was not really left, so the log does not flap "cleared" then "reached".
  void cancel();

  std::size_t active() const noexcept { return active_.load(std::memory_order_relaxed); }
  std::size_t max() const noexcept { return max_; }

  // A waker must be cheap and thread-safe (an eventfd write).
  void add_waker(std::function<void()> waker);

 private:
  void give_back(bool log_cleared);

  const std::size_t max_;
  std::atomic<std::size_t> active_{0};
  std::atomic<bool> waiting_{false};
  std::atomic<bool> reported_{false};
  std::mutex wakers_mutex_;
  std::vector<std::function<void()>> wakers_;
};

}  // namespace echo
