// Timeouts in O(1) per event, for event loops with many connections. Every
// connection waiting under one timeout (say, idle) shares the same duration, so
// a list kept in order of "since when" is also in order of deadline: touching a
// connection moves it to the back, and only the front can be due.
//
// The list is intrusive and index-based: connections live in a slot vector that
// may grow, so links are slot numbers, not pointers. A slot type needs a
// `TimerLink timer` member.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>

namespace echo {

struct TimerLink {
  static constexpr std::uint32_t kNil = std::numeric_limits<std::uint32_t>::max();
  std::uint32_t prev = kNil;
  std::uint32_t next = kNil;
  std::uint8_t list = 0;  // which TimerList holds it; 0 = none
  std::chrono::steady_clock::time_point since{};
};

class TimerList {
 public:
  using Clock = std::chrono::steady_clock;

  // id must be non-zero and unique among the lists sharing one slot vector.
  TimerList(std::uint8_t id, std::chrono::milliseconds timeout) : id_(id), timeout_(timeout) {}

  bool enabled() const noexcept { return timeout_.count() > 0; }
  bool empty() const noexcept { return head_ == TimerLink::kNil; }
  std::uint32_t front() const noexcept { return head_; }
  std::uint8_t id() const noexcept { return id_; }

  template <class Slots>
  Clock::time_point front_deadline(const Slots& slots) const {
    return slots[head_].timer.since + timeout_;
  }

  // Appends i (taking it out of whichever list held it) with `since = now`.
  template <class Slots>
  void push_back(Slots& slots, std::uint32_t i, Clock::time_point now) {
    TimerLink& link = slots[i].timer;
    link.since = now;
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
};

}  // namespace echo
