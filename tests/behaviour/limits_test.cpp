// Connection limits, for every engine that can hold more than one client:
// --max-connections keeps extra clients waiting in the listen backlog, and
// running out of descriptors pauses accept (without spinning) until some free up.
#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "behaviour/engine_param.hpp"
#include "net/unique_fd.hpp"
#include "support/client_socket.hpp"
#include "support/server_process.hpp"

namespace echo::test {
namespace {

using Clock = std::chrono::steady_clock;

// Long enough that an echo the server is able to send would have come back.
constexpr auto kNoEchoWait = 300ms;

std::chrono::milliseconds time_left(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? left : 0ms;
}

bool round_trip(int fd, const std::string& message) {
  return send_all(fd, message) && recv_exact(fd, message.size(), 5s) == message;
}

class Limits : public EngineTest {};

TEST_P(Limits, MaxConnectionsHoldsExtraClientsInTheBacklog) {
  if (is_blocking()) {
    GTEST_SKIP() << "the blocking engine serves one client at a time by design, so a limit "
                    "of 2 never holds anyone back that the engine itself would not";
  }
  ServerProcess server(kind(), {"--max-connections", "2"});
  ASSERT_TRUE(server.started());

  auto first = server.connect();
  auto second = server.connect();
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(round_trip(first.get(), "one\n"));
  ASSERT_TRUE(round_trip(second.get(), "two\n"));

  // The handshake completes in the kernel's backlog, but nobody echoes yet.
  int error = 0;
  auto third = server.connect(&error);
  ASSERT_TRUE(third) << "connect: " << std::strerror(error);
  ASSERT_TRUE(send_all(third.get(), "three\n"));
  EXPECT_FALSE(wait_readable(third.get(), kNoEchoWait)) << "served past --max-connections 2";

  const auto reached = server.process().wait_for_stderr("limit-reached", 5s);
  ASSERT_TRUE(reached) << server.process().stderr_text();
  EXPECT_NE(reached->find("warn limit-reached max_connections=2"), std::string::npos) << *reached;
  EXPECT_EQ(server.process().count_stderr("limit-reached"), 1u) << server.process().stderr_text();

  // A slot frees: the waiting client is accepted and gets its echo.
  first.reset();
  EXPECT_EQ(recv_exact(third.get(), 6, 10s), "three\n");
  const auto cleared = server.process().wait_for_stderr("limit-cleared", 5s);
  ASSERT_TRUE(cleared) << server.process().stderr_text();
  EXPECT_NE(cleared->find("info limit-cleared max_connections=2"), std::string::npos) << *cleared;

  EXPECT_TRUE(round_trip(second.get(), "still here\n"));
}

ECHO_INSTANTIATE_ENGINES(Limits);

class DescriptorExhaustion : public EngineTest {};

TEST_P(DescriptorExhaustion, AcceptPausesWithoutSpinningAndRecovers) {
  if (is_blocking()) {
    GTEST_SKIP() << "the blocking engine holds one client at a time, so it needs only a "
                    "handful of descriptors and cannot run out of them";
  }
  constexpr int kOpenFilesLimit = 48;
  // More than the server can hold descriptors for. The uring engine holds a
  // connection accepted straight into its ring's file table without one, and
  // that table is as large as the limit: it runs out only after both.
  const int kClients = engine() == "uring" ? 2 * kOpenFilesLimit + 30 : 60;
  std::vector<std::string> args{"--max-connections", "1000"};
  if (engine() == "epoll" || engine() == "uring") args.insert(args.end(), {"--threads", "1"});
  SpawnOptions spawn;
  spawn.max_open_files = kOpenFilesLimit;
  ServerProcess server(kind(), args, spawn);
  ASSERT_TRUE(server.started());

  std::vector<net::UniqueFd> clients;
  std::vector<std::string> messages;
  for (int i = 0; i < kClients; ++i) {
    int error = 0;
    clients.push_back(server.connect(&error));
    ASSERT_TRUE(clients.back()) << "client " << i << ": " << std::strerror(error);
    messages.push_back("client " + std::to_string(i) + "\n");
    ASSERT_TRUE(send_all(clients.back().get(), messages.back()));
  }
  const auto paused = server.process().wait_for_stderr("accept-paused", 10s);
  ASSERT_TRUE(paused) << server.process().stderr_text();
  EXPECT_NE(paused->find("warn accept-paused error=\"Too many open files\" retry_ms=100"),
            std::string::npos)
      << *paused;

  // Served clients echo at once; the rest wait in the backlog. A client taken
  // for waiting that was only slow is harmless: it is checked below anyway.
  const auto deadline = Clock::now() + 30s;
  std::vector<bool> echoed(kClients, false);
  for (;;) {
    std::vector<pollfd> pending;
    std::vector<int> index;
    for (int i = 0; i < kClients; ++i) {
      if (echoed[i]) continue;
      pending.push_back({clients[i].get(), POLLIN, 0});
      index.push_back(i);
    }
    if (pending.empty() || Clock::now() >= deadline) break;
    if (::poll(pending.data(), pending.size(), static_cast<int>(kNoEchoWait.count())) <= 0) break;
    for (std::size_t k = 0; k < pending.size(); ++k) {
      if (!pending[k].revents) continue;
      const int i = index[k];
      ASSERT_EQ(recv_exact(clients[i].get(), messages[i].size(), 5s), messages[i])
          << "client " << i;
      echoed[i] = true;
    }
  }
  std::vector<int> waiting;
  for (int i = 0; i < kClients; ++i)
    if (!echoed[i]) waiting.push_back(i);
  ASSERT_FALSE(waiting.empty()) << "all " << kClients << " clients served under a "
                                << kOpenFilesLimit << "-descriptor limit";
  ASSERT_LT(waiting.size(), static_cast<std::size_t>(kClients)) << "nobody was served";

  // Paused, the server must sleep: a spinning accept loop burns ~1 s per second.
  const double cpu_before = server.cpu_seconds();
  EXPECT_FALSE(wait_readable(clients[waiting.front()].get(), 1s))
      << "a waiting client was served while every descriptor was in use";
  const double cpu_spent = server.cpu_seconds() - cpu_before;
  EXPECT_LT(cpu_spent, 0.3) << "server used " << cpu_spent << " s of CPU in 1 s while paused";

  // Descriptors come free: every waiting client is accepted and echoed. Each
  // is closed once served, so a server that can hold fewer clients than are
  // waiting still gets to all of them (the backlog is served in connect order).
  for (int i = 0; i < kClients; ++i)
    if (echoed[i]) clients[i].reset();
  for (const int i : waiting) {
    EXPECT_EQ(recv_exact(clients[i].get(), messages[i].size(), time_left(deadline)), messages[i])
        << "client " << i << " never served after descriptors were freed";
    clients[i].reset();
  }
  EXPECT_TRUE(server.process().wait_for_stderr("accept-resumed", 5s))
      << server.process().stderr_text();
}

// TCP only: running out of descriptors fails accept the same way whatever the
// listener, and this test's second of CPU watching is among the suite's slowest.
ECHO_INSTANTIATE_ENGINES_TCP_ONLY(DescriptorExhaustion);

}  // namespace
}  // namespace echo::test
