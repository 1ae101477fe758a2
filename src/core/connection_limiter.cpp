#include "core/connection_limiter.hpp"

#include <algorithm>

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
    if (active_.load(std::memory_order_seq_cst) >= max_) return false;
  }
}

void ConnectionLimiter::commit() {
  const std::size_t now = connections_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (now >= max_ && !reported_.exchange(true)) {
    log::event(log::Level::warn, "limit-reached", {{"max_connections", max_}});
  }
}

void ConnectionLimiter::release() {
  connections_.fetch_sub(1, std::memory_order_relaxed);
  if (reported_.load(std::memory_order_relaxed) && reported_.exchange(false)) {
    log::event(log::Level::info, "limit-cleared", {{"max_connections", max_}});
  }
  give_back();
}

void ConnectionLimiter::cancel() {
  give_back();
}

void ConnectionLimiter::give_back() {
  active_.fetch_sub(1, std::memory_order_seq_cst);
  if (!waiting_.load(std::memory_order_seq_cst) || !waiting_.exchange(false)) return;
  std::lock_guard lock(wakers_mutex_);
  for (auto& waker : wakers_) waker.wake();
}

ConnectionLimiter::Registration ConnectionLimiter::add_waker(std::function<void()> waker) {
  std::lock_guard lock(wakers_mutex_);
  const std::uint64_t id = next_waker_id_++;
  wakers_.push_back({id, std::move(waker)});
  return Registration(this, id);
}

void ConnectionLimiter::remove_waker(std::uint64_t id) noexcept {
  std::lock_guard lock(wakers_mutex_);
  std::erase_if(wakers_, [id](const Waker& w) { return w.id == id; });
}

void ConnectionLimiter::Registration::reset() noexcept {
  if (limiter_) limiter_->remove_waker(id_);
  limiter_ = nullptr;
}

}  // namespace echo
