// Parking: an idle uring connection waits in an epoll set instead of in the
// ring. A recv armed in the ring costs the kernel about 900 bytes while it
// waits (its io_kiocb, the async poll data and two small allocations); an
// epoll registration costs one epitem and its wait-queue entry, as the epoll
// engine pays. So a connection whose recv has waited past a threshold has it
// cancelled and, on the -ECANCELED completion, is registered in the loop's
// epoll set (EPOLLIN | EPOLLRDHUP | EPOLLONESHOT, data = slot and generation).
// The ring keeps one poll armed on the epoll descriptor; when it fires, the
// loop harvests the set with a zero-timeout epoll_wait and gives each ready
// connection its recv back (its registration deleted: an active connection
// costs what it did before parking). Each costs two epoll_ctl calls per idle
// spell (park, unpark), never per message.
//
// Who to park is found by a sweep over the loop's slots, a clock hand with
// one mark bit per connection: a pass marks each connection whose recv is
// armed, and the next pass, `threshold` later, parks those still marked (a
// new operation clears the mark). So a connection parks after 1 to 2
// thresholds of silence, the hot paths pay nothing (the mark lives in a byte
// the loop writes anyway), and a loop whose connections are all parked, or
// all busy, makes no pass at all. A pass visits at most kSweepSlotsPerTurn
// slots and starts at most kParksPerTurn parks per turn, so a large table is
// swept over several turns and its cancels' completions fit the queue.
//
// This class holds what is not per connection: the epoll set, the sweep's
// schedule and hand, and the counters of the exit line. The steps that touch
// connections are EventLoop members (parking.cpp). Linux only (epoll).
#pragma once

#include <sys/epoll.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "net/unique_fd.hpp"

namespace echo::uring {

class ParkingLot {
 public:
  using Clock = std::chrono::steady_clock;

  // Slots a sweep visits per loop turn, so a pass over a large table does not
  // hold up the connections that are busy.
  static constexpr std::uint32_t kSweepSlotsPerTurn = 8192;
  // Parks a sweep starts per turn: each is a cancel and two completions (the
  // cancel's, the recv's), which should fit the completion queue.
  static constexpr std::size_t kParksPerTurn = 256;
  // Events one epoll_wait harvests, and harvests per poll completion; more
  // ready connections than that are taken next turn (the poll fires at once).
  static constexpr int kHarvestBatch = 64;
  static constexpr int kHarvestRounds = 16;

  // threshold: how long a recv waits before its connection is parked (a pass
  // every threshold; zero: park every recv still waiting one turn after it
  // was submitted, for tests). False, and parking off, if epoll is refused.
  bool init(std::chrono::milliseconds threshold);
  bool enabled() const noexcept { return epoll_.valid(); }
  int fd() const noexcept { return epoll_.get(); }
  std::chrono::milliseconds threshold() const noexcept { return threshold_; }

  // --- The sweep's schedule.
  // A recv was armed: a pass is wanted (one store, on the hot path).
  void recv_armed() noexcept { wanted_ = true; }
  // Starts a pass if one is due; then next_slot() is where it goes on.
  bool begin_pass_if_due(Clock::time_point now) noexcept;
  bool sweeping() const noexcept { return sweeping_; }
  std::uint32_t next_slot() const noexcept { return hand_; }
  // The pass reached `slot`, having marked `marked` connections on its way.
  void advance(std::uint32_t slot, std::size_t marked, std::uint32_t slots) noexcept;
  // When the loop must wake for the sweep: now while a pass is under way, the
  // next pass when something is armed or marked, else never.
  std::optional<Clock::time_point> next_deadline(Clock::time_point now) const noexcept;

  // --- The epoll set. Both return 0 or -errno.
  int add(int fd, std::uint64_t data) noexcept;
  int remove(int fd) noexcept;
  // Calls ready(data) for each connection ready now, at most
  // kHarvestBatch * kHarvestRounds of them.
  template <class Ready>
  void harvest(Ready&& ready) {
    for (int round = 0; round < kHarvestRounds; ++round) {
      const int n = ::epoll_wait(epoll_.get(), events_.data(), kHarvestBatch, 0);
      for (int i = 0; i < n; ++i) ready(events_[static_cast<std::size_t>(i)].data.u64);
      if (n < kHarvestBatch) return;  // the set is empty (or the call failed: the poll retries)
    }
  }

  // --- Counters, for the exit line.
  void count_parked() noexcept { ++parked_; }
  void count_unparked() noexcept { ++unparked_; }
  std::uint64_t parked() const noexcept { return parked_; }
  std::uint64_t unparked() const noexcept { return unparked_; }

 private:
  net::UniqueFd epoll_;
  std::chrono::milliseconds threshold_{0};
  Clock::time_point next_pass_{};
  std::uint32_t hand_ = 0;
  std::size_t marked_ = 0;  // marked by the pass under way, or by the last one
  bool wanted_ = false;     // a recv was armed since the last pass began
  bool sweeping_ = false;
  std::array<epoll_event, kHarvestBatch> events_{};
  std::uint64_t parked_ = 0;
  std::uint64_t unparked_ = 0;
};

}  // namespace echo::uring
