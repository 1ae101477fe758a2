// Timeouts in O(1) per event, for event loops with many connections. Every
// connection waiting under one timeout (say, idle) shares the same duration, so
// a list kept in order of "since when" is also in order of deadline: touching a
// connection moves it to the back, and only the front can be due.
//
// The list is intrusive and index-based: connections live in a slot vector that
// may grow, so links are slot numbers, not pointers. A slot type needs a
// `TimerLink timer` member.
//
// A link is 16 bytes because every idle connection carries one: "since" is kept
// as 32-bit milliseconds (rounded up, so a timeout never fires early) counted
// from the list's first use, and read back relative to the latest push. That is
// exact while the front is younger than 49 days, which the timeout cap
// (kMaxTimeout) guarantees: the front is expired long before.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>

namespace echo {

struct TimerLink {
  static constexpr std::uint32_t kNil = std::numeric_limits<std::uint32_t>::max();
  std::uint32_t prev = kNil;
  std::uint32_t next = kNil;
  std::uint32_t since_ms = 0;  // TimerList's clock, wrapping (see above)
  std::uint8_t list = 0;       // which TimerList holds it; 0 = none
};

class TimerList {
 public:
  using Clock = std::chrono::steady_clock;
  // The longest timeout a list can keep exactly (configuration refuses more).
  static constexpr std::chrono::milliseconds kMaxTimeout{std::chrono::hours(24 * 24)};

  // id must be non-zero and unique among the lists sharing one slot vector.
  TimerList(std::uint8_t id, std::chrono::milliseconds timeout) : id_(id), timeout_(timeout) {}

  bool enabled() const noexcept { return timeout_.count() > 0; }
  bool empty() const noexcept { return head_ == TimerLink::kNil; }
  std::uint32_t front() const noexcept { return head_; }
  std::uint8_t id() const noexcept { return id_; }

  template <class Slots>
  Clock::time_point front_deadline(const Slots& slots) const {
    const std::uint32_t age_ms = latest_ms_ - slots[head_].timer.since_ms;  // wraps
    return epoch_ + std::chrono::milliseconds(latest_full_ms_ - age_ms) + timeout_;
  }

  // Appends i (taking it out of whichever list held it) with `since = now`.
  template <class Slots>
  void push_back(Slots& slots, std::uint32_t i, Clock::time_point now) {
    TimerLink& link = slots[i].timer;
    if (!started_) {
      epoch_ = now;
      started_ = true;
    }
    // now never goes back (a loop's clock is steady), so latest is monotone.
    latest_full_ms_ = std::chrono::ceil<std::chrono::milliseconds>(now - epoch_).count();
    latest_ms_ = static_cast<std::uint32_t>(latest_full_ms_);
    link.since_ms = latest_ms_;
    link.prev = tail_;
    link.next = TimerLink::kNil;
    link.list = id_;
    if (tail_ != TimerLink::kNil) {
      slots[tail_].timer.next = i;
    } else {
      head_ = i;
    }
    tail_ = i;
  }

  template <class Slots>
  void remove(Slots& slots, std::uint32_t i) {
    TimerLink& link = slots[i].timer;
    if (link.prev != TimerLink::kNil) {
      slots[link.prev].timer.next = link.next;
    } else {
      head_ = link.next;
    }
    if (link.next != TimerLink::kNil) {
      slots[link.next].timer.prev = link.prev;
    } else {
      tail_ = link.prev;
    }
    link = TimerLink{};
  }

 private:
  std::uint32_t head_ = TimerLink::kNil;
  std::uint32_t tail_ = TimerLink::kNil;
  std::uint8_t id_;
  std::chrono::milliseconds timeout_;
  bool started_ = false;
  Clock::time_point epoch_{};
  std::int64_t latest_full_ms_ = 0;  // the latest push, in ms since epoch_
  std::uint32_t latest_ms_ = 0;      // the same, as links keep it
};

}  // namespace echo
