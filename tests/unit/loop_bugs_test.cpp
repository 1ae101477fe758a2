// Bugs the connection-core work fixed, each with the test that failed before:
// an epoll loop that could not watch its listener went on, deaf, instead of
// saying so; two racing Shutdown::begin calls could both start the drain; the
// uring loop's submissions assumed the kernel always takes a full queue.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "behaviour/engine_param.hpp"
#include "core/server_context.hpp"
#include "engines/epoll/event_loop.hpp"
#include "engines/uring/ring.hpp"
#include "engines/uring/submissions.hpp"
#include "net/unique_fd.hpp"

namespace echo {
namespace {

TEST(EpollLoop, AListenerEpollRefusesFailsAtStartInsteadOfNeverAccepting) {
  ServerContext context{ServerConfig{}};
  // A regular file: epoll_ctl answers EPERM, as it would for any descriptor
  // epoll cannot watch.
  std::vector<Listener> listeners(1);
  listeners[0].fd = net::UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(listeners[0].fd);
  try {
    epoll::EventLoop loop(context, listeners, true);
    FAIL() << "a listener epoll cannot watch was taken silently";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot watch a listener"), std::string::npos) << e.what();
  }
}

TEST(Shutdown, OnlyOneOfManyRacingBeginCallsStartsTheDrain) {
  for (int round = 0; round < 20; ++round) {
    Shutdown shutdown(std::chrono::milliseconds(1000));
    std::atomic<int> started{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&] {
        while (!go.load()) {
        }
        if (shutdown.begin()) started.fetch_add(1);
      });
    }
    go.store(true);
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(started.load(), 1) << "round " << round;
    EXPECT_TRUE(shutdown.draining());
  }
}

TEST(UringSubmissions, MoreOperationsThanTheQueueHoldsAreAllSubmittedInOrder) {
  if (test::uring_unavailable())
    GTEST_SKIP() << "io_uring unavailable: " << *test::uring_unavailable();
  uring::Ring ring;
  ASSERT_EQ(ring.init(4, false), 0);
  uring::Submissions submissions(ring);
  constexpr std::uint64_t kOperations = 100;
  for (std::uint64_t i = 0; i < kOperations; ++i) {
    io_uring_sqe* sqe = submissions.next();
    ASSERT_NE(sqe, nullptr);
    io_uring_prep_nop(sqe);
    io_uring_sqe_set_data64(sqe, i + 1);
  }
  std::vector<std::uint64_t> seen;
  for (int turn = 0; turn < 1000 && seen.size() < kOperations; ++turn) {
    submissions.submit_and_wait(std::chrono::steady_clock::now() + std::chrono::seconds(1));
    submissions.reap([&](std::uint64_t user_data, int result, std::uint32_t) {
      EXPECT_EQ(result, 0);
      seen.push_back(user_data);
    });
  }
  ASSERT_EQ(seen.size(), kOperations);
  for (std::uint64_t i = 0; i < kOperations; ++i) EXPECT_EQ(seen[i], i + 1) << "out of order";
  EXPECT_EQ(submissions.in_flight(), 0u);
}

}  // namespace
}  // namespace echo
