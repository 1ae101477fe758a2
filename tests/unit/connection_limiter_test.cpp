#include "core/connection_limiter.hpp"

#include <gtest/gtest.h>

namespace echo {
namespace {

TEST(ConnectionLimiter, CountsAndWakesAfterAFailedAcquire) {
  ConnectionLimiter limiter(2);
  int wakes = 0;
  const auto waker = limiter.add_waker([&] { ++wakes; });
  EXPECT_TRUE(limiter.try_acquire());
  limiter.commit();
  EXPECT_TRUE(limiter.try_acquire());
  limiter.commit();
  EXPECT_FALSE(limiter.try_acquire());
  EXPECT_EQ(limiter.active(), 2u);
  EXPECT_EQ(limiter.connections(), 2u);
  limiter.release();
  EXPECT_EQ(wakes, 1) << "a release after a failed acquire wakes the waiters";
  EXPECT_TRUE(limiter.try_acquire());
  limiter.commit();
  limiter.release();
  EXPECT_EQ(wakes, 1) << "no wake when nobody was turned away";
}

// A slot taken for an accept that found nobody (two loops woken for one
// connection), or for a client the admission step refused, is given back with
// cancel: whoever it turned away is woken, and it never counted as a connection.
TEST(ConnectionLimiter, CancelGivesBackASpeculativeSlotAndWakes) {
  ConnectionLimiter limiter(1);
  int wakes = 0;
  const auto waker = limiter.add_waker([&] { ++wakes; });
  EXPECT_TRUE(limiter.try_acquire());   // loop A, about to find no connection
  EXPECT_FALSE(limiter.try_acquire());  // loop B, turned away meanwhile
  limiter.cancel();
  EXPECT_EQ(limiter.active(), 0u);
  EXPECT_EQ(limiter.connections(), 0u);
  EXPECT_EQ(wakes, 1);
  EXPECT_TRUE(limiter.try_acquire());
}

// Before: wakers were raw loop pointers and eventfd numbers kept for the
// limiter's life, so a release after an engine's run() had returned wrote to
// whatever now had that descriptor number. A registration ends with its owner.
TEST(ConnectionLimiter, AWakerIsNotCalledOnceItsRegistrationIsGone) {
  ConnectionLimiter limiter(1);
  int kept = 0;
  int dropped = 0;
  const auto keep = limiter.add_waker([&] { ++kept; });
  {
    auto gone = limiter.add_waker([&] { ++dropped; });
    ConnectionLimiter::Registration moved = std::move(gone);
  }
  EXPECT_TRUE(limiter.try_acquire());
  EXPECT_FALSE(limiter.try_acquire());
  limiter.cancel();
  EXPECT_EQ(kept, 1);
  EXPECT_EQ(dropped, 0);
}

}  // namespace
}  // namespace echo
