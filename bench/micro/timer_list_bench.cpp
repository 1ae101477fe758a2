// TimerList and SlotTable, the event loops' per-connection bookkeeping.
// MoveToBack is what every served message costs (EventLoop::wait_in): take the
// connection out of its timer list and append it with a new "since". Touched in
// a shuffled order among N connections, so the neighbours whose links change
// are scattered over memory as they are in a loop with many clients.
// OpenClose is one connection closing (leave the list, release the slot) and
// one opening (acquire a slot, join the list) with N connections live.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "core/slot_table.hpp"
#include "core/timer_list.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// A connection slot: the timer links inside a larger record (socket, stream,
// counters, peer address), so N slots span as many cache lines as real ones.
struct Slot {
  echo::TimerLink timer;
  std::byte rest[224];
};

constexpr std::uint8_t kIdleList = 1;
constexpr std::chrono::milliseconds kIdleTimeout{30'000};

// 0..n-1 in a fixed pseudo-random order.
std::vector<std::uint32_t> shuffled(std::uint32_t n) {
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0U);
  std::mt19937 random(42);
  std::shuffle(order.begin(), order.end(), random);
  return order;
}

void BM_TimerList_MoveToBack(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  echo::SlotTable<Slot> slots;
  echo::TimerList list(kIdleList, kIdleTimeout);
  Clock::time_point now{};
  for (std::uint32_t i = 0; i < n; ++i) list.push_back(slots, slots.acquire(), now);
  const std::vector<std::uint32_t> order = shuffled(n);
  std::size_t next = 0;
  for (auto _ : state) {
    const std::uint32_t slot = order[next];
    next = next + 1 == order.size() ? 0 : next + 1;
    now += std::chrono::nanoseconds(1);  // the loop's cached clock, not a clock read
    list.remove(slots, slot);
    list.push_back(slots, slot, now);
    benchmark::ClobberMemory();
  }
  std::uint32_t front = list.front();
  benchmark::DoNotOptimize(front);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TimerList_MoveToBack)
    ->ArgName("connections")
    ->RangeMultiplier(16)
    ->Range(64, 64 << 10);

void BM_SlotTable_OpenClose(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  echo::SlotTable<Slot> slots;
  echo::TimerList list(kIdleList, kIdleTimeout);
  Clock::time_point now{};
  for (std::uint32_t i = 0; i < n; ++i) list.push_back(slots, slots.acquire(), now);
  // Close in a shuffled order; the new connection reuses the freed slot, so the
  // same order stays valid on the next pass.
  const std::vector<std::uint32_t> order = shuffled(n);
  std::size_t next = 0;
  for (auto _ : state) {
    const std::uint32_t closing = order[next];
    next = next + 1 == order.size() ? 0 : next + 1;
    now += std::chrono::nanoseconds(1);
    list.remove(slots, closing);
    slots.release(closing);
    std::uint32_t opened = slots.acquire();
    slots[opened].timer = echo::TimerLink{};
    list.push_back(slots, opened, now);
    benchmark::DoNotOptimize(opened);
    benchmark::ClobberMemory();
  }
  if (slots.size() != n) state.SkipWithError("the slot table grew: a freed slot was not reused");
  state.SetItemsProcessed(state.iterations());  // items = one close plus one open
}
BENCHMARK(BM_SlotTable_OpenClose)->ArgName("connections")->RangeMultiplier(16)->Range(64, 64 << 10);

}  // namespace
