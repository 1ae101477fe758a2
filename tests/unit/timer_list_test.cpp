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

TEST(TimerList, DisabledWhenTimeoutIsZero) {
  TimerList list(2, std::chrono::milliseconds(0));
  EXPECT_FALSE(list.enabled());
}

}  // namespace
}  // namespace echo
