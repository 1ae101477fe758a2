// --max-connections as a counting semaphore shared by every engine thread. A
// slot is taken before a connection is accepted (try_acquire), so no engine
// ever holds more sockets than the limit: at the limit it stops accepting and
// clients wait in the listen backlog, as with a semaphore, until its waker is
// called. Every failed try_acquire arms the wakers, and the next release or
// cancel calls them all.
//
// A slot taken is a reservation until commit() says it holds a connection (an
// accept may find nobody, or the admission step may refuse the client: then
// cancel()). limit-reached is logged when committed connections reach the
// limit, limit-cleared when one of them goes after that, the same for every
// engine whatever its accept model reserves ahead.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

namespace echo {

class ConnectionLimiter {
 public:
  explicit ConnectionLimiter(std::size_t max_connections) : max_(max_connections) {}

  // Takes (reserves) a slot, or returns false at the limit, arming the wakers.
  bool try_acquire();
  // The reserved slot now holds a connection.
  void commit();
  // Frees a committed slot and wakes whoever failed to acquire since the last wake.
  void release();
  // Gives back a reserved slot that got no connection. It wakes the waiters too
  // (they may have failed because of it) but logs nothing.
  void cancel();

  // Slots taken, reservations included.
  std::size_t active() const noexcept { return active_.load(std::memory_order_relaxed); }
  std::size_t connections() const noexcept { return connections_.load(std::memory_order_relaxed); }
  std::size_t max() const noexcept { return max_; }

  // A waker must be cheap and thread-safe (an eventfd write). It is called
  // until its registration is destroyed, which waits for a call in progress:
  // keep the registration no longer than what the waker touches.
  class Registration {
   public:
    Registration() = default;
    Registration(ConnectionLimiter* limiter, std::uint64_t id) : limiter_(limiter), id_(id) {}
    Registration(Registration&& other) noexcept
        : limiter_(std::exchange(other.limiter_, nullptr)), id_(other.id_) {}
    Registration& operator=(Registration&& other) noexcept {
      if (this != &other) {
        reset();
        limiter_ = std::exchange(other.limiter_, nullptr);
        id_ = other.id_;
      }
      return *this;
    }
    ~Registration() { reset(); }
    void reset() noexcept;

   private:
    ConnectionLimiter* limiter_ = nullptr;
    std::uint64_t id_ = 0;
  };
  [[nodiscard]] Registration add_waker(std::function<void()> waker);

 private:
  void give_back();
  void remove_waker(std::uint64_t id) noexcept;

  struct Waker {
    std::uint64_t id;
    std::function<void()> wake;
  };

  const std::size_t max_;
  std::atomic<std::size_t> active_{0};
  std::atomic<std::size_t> connections_{0};
  std::atomic<bool> waiting_{false};
  std::atomic<bool> reported_{false};
  std::mutex wakers_mutex_;
  std::vector<Waker> wakers_;
  std::uint64_t next_waker_id_ = 1;
};

}  // namespace echo
