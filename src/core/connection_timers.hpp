// The three timeouts an event-loop connection can wait under, one TimerList
// each: waiting for input (--idle-timeout), waiting to write a pending echo
// (--write-timeout), winding up after the drain deadline
// (Shutdown::kFinalFlush), and reading a PROXY header (--proxy-timeout). A
// connection waits under at most one at a time.
// Slots need a `TimerLink timer` member (core/timer_list.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "core/connection_record.hpp"
#include "core/shutdown.hpp"
#include "core/timer_list.hpp"

namespace echo {

enum class Wait : std::uint8_t {
  none,      // under no timeout (closed, or nothing to time)
  input,     // idle: nothing pending, waiting for the peer
  output,    // an echo is pending
  closing,   // past the drain deadline: final flush, FIN, the peer's close
  preamble,  // a PROXY listener's connection, until its header is complete
};

class ConnectionTimers {
 public:
  using Clock = TimerList::Clock;

  ConnectionTimers(std::chrono::milliseconds idle_timeout, std::chrono::milliseconds write_timeout,
                   std::chrono::milliseconds proxy_timeout)
      : idle_(1, idle_timeout),
        write_(2, write_timeout),
        closing_(3, Shutdown::kFinalFlush),
        preamble_(4, proxy_timeout) {}

  // Puts slot under what's timer. Waiting again under the same one restarts its
  // clock only if the connection made progress.
  template <class Slots>
  void wait(Slots& slots, std::uint32_t slot, Wait what, bool progressed, Clock::time_point now) {
    TimerList* current = list_holding(slots[slot].timer);
    TimerList* wanted = list_for(what);
    if (current == wanted && !progressed) return;  // still waiting since the same moment
    if (current) current->remove(slots, slot);
    if (wanted && wanted->enabled()) wanted->push_back(slots, slot, now);
  }

  // Calls close(slot, reason) for every connection whose timeout has passed.
  // close must take the slot out of its list (wait(..., Wait::none, ...)).
  template <class Slots, class Close>
  void expire(Slots& slots, Clock::time_point now, Close&& close) {
    const auto expire_list = [&](TimerList& list, CloseReason reason) {
      while (!list.empty() && list.front_deadline(slots) <= now) close(list.front(), reason);
    };
    expire_list(idle_, CloseReason::idle_timeout);
    expire_list(write_, CloseReason::write_timeout);
    expire_list(closing_, CloseReason::shutdown);
    expire_list(preamble_, CloseReason::proxy_timeout);
  }

  template <class Slots>
  std::optional<Clock::time_point> next_deadline(const Slots& slots) const {
    std::optional<Clock::time_point> next;
    for (const TimerList* list : {&idle_, &write_, &closing_, &preamble_}) {
      if (list->empty()) continue;
      const auto deadline = list->front_deadline(slots);
      if (!next || deadline < *next) next = deadline;
    }
    return next;
  }

 private:
  TimerList* list_for(Wait what) noexcept {
    switch (what) {
      case Wait::input:
        return &idle_;
      case Wait::output:
        return &write_;
      case Wait::closing:
        return &closing_;
      case Wait::preamble:
        return &preamble_;
      case Wait::none:
        break;
    }
    return nullptr;
  }
  TimerList* list_holding(const TimerLink& link) noexcept {
    if (link.list == idle_.id()) return &idle_;
    if (link.list == write_.id()) return &write_;
    if (link.list == closing_.id()) return &closing_;
    if (link.list == preamble_.id()) return &preamble_;
    return nullptr;
  }

  TimerList idle_;
  TimerList write_;
  TimerList closing_;
  TimerList preamble_;
};

}  // namespace echo
