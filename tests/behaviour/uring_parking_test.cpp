// Parking (engines/uring/parking.hpp): an idle uring connection leaves the
// ring for the loop's epoll set, and must come back to serve as if it had
// never left. ECHO_URING_PARK_AFTER_MS (a test switch) sets the threshold;
// each park and unpark is a trace line ("then=parked" / "then=unparked"),
// which is what these tests wait for, and the exit line at debug counts them.
// The whole behaviour suite also runs with parking at every chance (the
// "parked:" tests of tests/CMakeLists.txt).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>

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

constexpr std::size_t kIdleClients = 200;

SpawnOptions park_after(const char* ms) {
  SpawnOptions options;
  options.environment.push_back(std::string("ECHO_URING_PARK_AFTER_MS=") + ms);
  return options;
}

// The number after "NAME=" in line, or -1.
long field(const std::string& line, const std::string& name) {
  const auto at = line.find(" " + name + "=");
  if (at == std::string::npos) return -1;
  return std::stol(line.substr(at + name.size() + 2));
}

TEST(UringParking, ManyIdleConnectionsParkThenAllEchoWhenTheySpeakAgain) {
  ECHO_SKIP_IF_ENGINE_UNAVAILABLE(std::string("uring"));
  // A real threshold, so the sweep's mark-then-park passes run.
  ServerProcess server("uring", {"--threads", "1", "--log-level", "trace"}, park_after("20"));
  ASSERT_TRUE(server.started());
  std::vector<net::UniqueFd> clients;
  for (std::size_t i = 0; i < kIdleClients; ++i) {
    clients.push_back(connect_loopback(server.port()));
    ASSERT_TRUE(clients.back()) << "client " << i;
    const std::string hello = "hello " + std::to_string(i) + "\n";
    ASSERT_TRUE(send_all(clients.back().get(), hello));
    ASSERT_EQ(recv_exact(clients.back().get(), hello.size()), hello) << "client " << i;
  }
  ASSERT_TRUE(server.process().wait_for_stderr_count("then=parked", kIdleClients, 20s))
      << server.process().count_stderr("then=parked") << " parked";

  // Everyone speaks at once, then reads: the harvest wakes them in batches.
  std::vector<std::string> messages;
  for (std::size_t i = 0; i < kIdleClients; ++i) {
    messages.push_back(random_bytes(1000 + i, i));
    ASSERT_TRUE(send_all(clients[i].get(), messages[i])) << "client " << i;
  }
  for (std::size_t i = 0; i < kIdleClients; ++i) {
    EXPECT_EQ(recv_exact(clients[i].get(), messages[i].size()), messages[i]) << "client " << i;
  }
  EXPECT_TRUE(server.process().wait_for_stderr_count("then=unparked", kIdleClients, 10s));
  clients.clear();

  server.process().send_signal(SIGTERM);
  EXPECT_EQ(server.process().wait_exit(10s), 0) << server.process().stderr_text();
  const auto line = server.process().wait_for_stderr("uring-parking", 5s);
  ASSERT_TRUE(line) << server.process().stderr_text();
  EXPECT_GE(field(*line, "parked"), static_cast<long>(kIdleClients)) << *line;
  EXPECT_GE(field(*line, "unparked"), static_cast<long>(kIdleClients)) << *line;
}

TEST(UringParking, IdleTimeoutClosesAParkedConnectionOnTime) {
  ECHO_SKIP_IF_ENGINE_UNAVAILABLE(std::string("uring"));
  ServerProcess server("uring", {"--threads", "1", "--log-level", "trace", "--idle-timeout", "1s"},
                       park_after("0"));
  ASSERT_TRUE(server.started());
  auto fd = connect_loopback(server.port());
  ASSERT_TRUE(fd);
  ASSERT_TRUE(send_all(fd.get(), "ping\n"));
  ASSERT_EQ(recv_exact(fd.get(), 5), "ping\n");
  const auto echoed_at = Clock::now();
  ASSERT_TRUE(server.process().wait_for_stderr("then=parked", 5s))
      << server.process().stderr_text();

  const RecvAll result = recv_until_end(fd.get(), 10s);
  EXPECT_EQ(result.end, StreamEnd::eof)
      << to_string(result.end) << " " << std::strerror(result.error);
  // Its clock ran from the echo, parked or not (timers round up, never early).
  EXPECT_GE(Clock::now() - echoed_at, 900ms);
  const auto close_line = server.process().wait_for_stderr("reason=idle-timeout", 5s);
  ASSERT_TRUE(close_line) << server.process().stderr_text();
  EXPECT_NE(close_line->find(" in=5 out=5 "), std::string::npos) << *close_line;
}

TEST(UringParking, DrainServesParkedConnectionsThenEndsThemWithFin) {
  ECHO_SKIP_IF_ENGINE_UNAVAILABLE(std::string("uring"));
  constexpr std::size_t kClients = 3;
  ServerProcess server("uring", {"--threads", "1", "--log-level", "trace", "--drain-timeout", "1s"},
                       park_after("0"));
  ASSERT_TRUE(server.started());
  std::vector<net::UniqueFd> clients;
  for (std::size_t i = 0; i < kClients; ++i) {
    clients.push_back(connect_loopback(server.port()));
    ASSERT_TRUE(clients.back());
    ASSERT_TRUE(send_all(clients.back().get(), "before\n"));
    ASSERT_EQ(recv_exact(clients.back().get(), 7), "before\n");
  }
  ASSERT_TRUE(server.process().wait_for_stderr_count("then=parked", kClients, 5s))
      << server.process().stderr_text();

  server.process().send_signal(SIGTERM);
  ASSERT_TRUE(server.process().wait_for_stderr("info draining", 5s))
      << server.process().stderr_text();
  // Still served while draining: the parked connection comes back for this.
  ASSERT_TRUE(send_all(clients[0].get(), "during\n"));
  EXPECT_EQ(recv_exact(clients[0].get(), 7), "during\n");
  // Let it park again, so that the deadline finds every client parked.
  ASSERT_TRUE(server.process().wait_for_stderr_count("then=parked", kClients + 1, 5s))
      << server.process().stderr_text();
  for (std::size_t i = 0; i < kClients; ++i) {
    const RecvAll result = recv_until_end(clients[i].get(), 10s);
    EXPECT_EQ(result.end, StreamEnd::eof)
        << "client " << i << ": " << to_string(result.end) << " " << std::strerror(result.error);
    EXPECT_TRUE(result.data.empty()) << "client " << i;
  }
  clients.clear();
  EXPECT_EQ(server.process().wait_exit(10s), 0) << server.process().stderr_text();
  EXPECT_TRUE(server.process().wait_for_stderr_count("reason=shutdown", kClients, 5s))
      << server.process().stderr_text();
}

TEST(UringParking, HalfCloseAndResetReachAParkedConnection) {
  ECHO_SKIP_IF_ENGINE_UNAVAILABLE(std::string("uring"));
  ServerProcess server("uring", {"--threads", "1", "--log-level", "trace"}, park_after("0"));
  ASSERT_TRUE(server.started());
  auto closing = connect_loopback(server.port());
  auto resetting = connect_loopback(server.port());
  ASSERT_TRUE(closing && resetting);
  for (int fd : {closing.get(), resetting.get()}) {
    ASSERT_TRUE(send_all(fd, "hi\n"));
    ASSERT_EQ(recv_exact(fd, 3), "hi\n");
  }
  ASSERT_TRUE(server.process().wait_for_stderr_count("then=parked", 2, 5s))
      << server.process().stderr_text();

  ASSERT_EQ(::shutdown(closing.get(), SHUT_WR), 0);
  const RecvAll result = recv_until_end(closing.get(), 10s);
  EXPECT_EQ(result.end, StreamEnd::eof)
      << to_string(result.end) << " " << std::strerror(result.error);
  EXPECT_TRUE(server.process().wait_for_stderr("reason=eof", 5s)) << server.process().stderr_text();

  const linger abort_on_close{1, 0};
  ASSERT_EQ(
      ::setsockopt(resetting.get(), SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close),
      0);
  resetting.reset();  // an RST
  EXPECT_TRUE(server.process().wait_for_stderr("reason=reset", 5s))
      << server.process().stderr_text();
}

}  // namespace
}  // namespace echo::test
