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

}  // namespace
}  // namespace echo
