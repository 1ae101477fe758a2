#include "core/timer_list.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace echo {
namespace {

struct Slot {
  TimerLink timer;
};

TEST(TimerList, FrontIsTheEarliestDeadlineAndTouchingMovesToTheBack) {
  using namespace std::chrono_literals;
  std::vector<Slot> slots(3);
  TimerList list(1, 100ms);
  const auto t0 = TimerList::Clock::time_point{} + 1s;
  list.push_back(slots, 0, t0);
  list.push_back(slots, 1, t0 + 10ms);
  list.push_back(slots, 2, t0 + 20ms);
  EXPECT_EQ(list.front(), 0u);
  EXPECT_EQ(list.front_deadline(slots), t0 + 100ms);

  list.remove(slots, 0);  // activity on 0: it goes to the back
  list.push_back(slots, 0, t0 + 30ms);
  EXPECT_EQ(list.front(), 1u);
  list.remove(slots, 2);  // from the middle
  list.remove(slots, 1);
  EXPECT_EQ(list.front(), 0u);
  list.remove(slots, 0);
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(slots[0].timer.list, 0);
}

// Links keep 32-bit milliseconds, which wrap after 49.7 days of uptime: a
// deadline must come out exact across the wrap, and never early.
TEST(TimerList, DeadlinesStayExactAcrossTheMillisecondWrap) {
  using namespace std::chrono_literals;
  std::vector<Slot> slots(2);
  TimerList list(1, 5s);
  const auto t0 = TimerList::Clock::time_point{} + 1s;
  list.push_back(slots, 0, t0);
  list.remove(slots, 0);
  const auto before_wrap = t0 + std::chrono::milliseconds(0xFFFF'FFFFLL) - 2s;
  list.push_back(slots, 0, before_wrap);
  list.push_back(slots, 1, before_wrap + 3s);  // past the wrap
  EXPECT_EQ(list.front_deadline(slots), before_wrap + 5s);
  list.remove(slots, 0);
  EXPECT_EQ(list.front_deadline(slots), before_wrap + 3s + 5s);
  // A time between milliseconds rounds up: the deadline is never early.
  list.push_back(slots, 0, before_wrap + 4s + 300us);
  list.remove(slots, 1);
  EXPECT_EQ(list.front_deadline(slots), before_wrap + 4s + 1ms + 5s);
}

TEST(TimerList, DisabledWhenTimeoutIsZero) {
  TimerList list(2, std::chrono::milliseconds(0));
  EXPECT_FALSE(list.enabled());
}

}  // namespace
}  // namespace echo
