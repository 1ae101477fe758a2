#include "core/connection_limiter.hpp"

#include "core/log.hpp"

namespace echo {

bool ConnectionLimiter::try_acquire() {
  for (;;) {
    std::size_t current = active_.load(std::memory_order_seq_cst);
    while (current < max_) {
      if (active_.compare_exchange_weak(current, current + 1, std::memory_order_seq_cst))
        return true;
    }
    // Arm the wakers, then look again: a release that ran before the flag was
    // visible did not wake anyone, but it did free a slot we can see now.
    waiting_.store(true, std::memory_order_seq_cst);
    if (active_.load(std::memory_order_seq_cst) >= max_) break;
  }
  if (!reported_.exchange(true)) {
    log::event(log::Level::warn, "limit-reached", {{"max_connections", max_}});
  }
  return false;
}

void ConnectionLimiter::release() {
  give_back(true);
}

void ConnectionLimiter::cancel() {
  give_back(false);
}

void ConnectionLimiter::give_back(bool log_cleared) {
  active_.fetch_sub(1, std::memory_order_seq_cst);
  if (!waiting_.load(std::memory_order_seq_cst) || !waiting_.exchange(false)) return;
  if (log_cleared && reported_.exchange(false)) {
    log::event(log::Level::info, "limit-cleared", {{"max_connections", max_}});
  }
  std::lock_guard lock(wakers_mutex_);
  for (auto& wake : wakers_) wake();
}

void ConnectionLimiter::add_waker(std::function<void()> waker) {
  std::lock_guard lock(wakers_mutex_);
  wakers_.push_back(std::move(waker));
}

}  // namespace echo
