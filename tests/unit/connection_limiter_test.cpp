#include "core/connection_limiter.hpp"

#include <gtest/gtest.h>

namespace echo {
namespace {

TEST(ConnectionLimiter, CountsAndWakesAfterAFailedAcquire) {
  ConnectionLimiter limiter(2);
  int wakes = 0;
  limiter.add_waker([&] { ++wakes; });
  EXPECT_TRUE(limiter.try_acquire());
  EXPECT_TRUE(limiter.try_acquire());
  EXPECT_FALSE(limiter.try_acquire());
  EXPECT_EQ(limiter.active(), 2u);
  limiter.release();
  EXPECT_EQ(wakes, 1) << "a release after a failed acquire wakes the waiters";
  EXPECT_TRUE(limiter.try_acquire());
  limiter.release();
  EXPECT_EQ(wakes, 1) << "no wake when nobody was turned away";
}

// A slot taken for an accept that found nobody (two loops woken for one
// connection) is given back with cancel: whoever it turned away is woken.
TEST(ConnectionLimiter, CancelGivesBackASpeculativeSlotAndWakes) {
  ConnectionLimiter limiter(1);
  int wakes = 0;
  limiter.add_waker([&] { ++wakes; });
  EXPECT_TRUE(limiter.try_acquire());   // loop A, about to find no connection
  EXPECT_FALSE(limiter.try_acquire());  // loop B, turned away meanwhile
  limiter.cancel();
  EXPECT_EQ(limiter.active(), 0u);
  EXPECT_EQ(wakes, 1);
  EXPECT_TRUE(limiter.try_acquire());
}

}  // namespace
}  // namespace echo
