// Choosing the engine at start: `--engine uring` where io_uring is refused
// fails with one line naming the reason; `--engine auto` falls back to epoll
// with a warning, and picks uring where the kernel allows it. The refusal is
// real: a seccomp filter in the child makes io_uring_setup fail with EPERM, as a
// container's default profile does.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "behaviour/engine_param.hpp"
#include "support/client_socket.hpp"
#include "support/process.hpp"
#include "support/server_process.hpp"

namespace echo::test {
namespace {

SpawnOptions denying_io_uring() {
  SpawnOptions options;
  options.deny_io_uring = true;
  return options;
}

TEST(UringFallback, UringRefusedBySeccompExitsWithOneLine) {
  Process server(ECHO_SERVER_PATH, {"--listen", "127.0.0.1:0", "--engine", "uring"},
                 denying_io_uring());
  const auto code = server.wait_exit(20s);
  ASSERT_TRUE(code) << "still running; stderr:\n" << server.stderr_text();
  EXPECT_EQ(*code, 1) << server.stderr_text();
  // The reader thread may still hold the last bytes: wait for the pipes' ends.
  server.wait_for_stderr("\x01never", 5s);
  server.wait_for_stdout("\x01never", 5s);
  const auto lines = lines_of(server.stderr_text());
  ASSERT_EQ(lines.size(), 1u) << server.stderr_text();
  EXPECT_EQ(
      lines[0],
      "echo-server: cannot use io_uring: io_uring_setup refused (EPERM): blocked by a seccomp "
      "filter or container policy?");
  EXPECT_EQ(server.stdout_text(), "") << "listened although the engine cannot run";
}

TEST(UringFallback, AutoFallsBackToEpollWhenRefused) {
  ServerProcess server("auto", {}, denying_io_uring());
  ASSERT_TRUE(server.started());
  const auto warning = server.process().wait_for_stderr("uring-unavailable", 5s);
  ASSERT_TRUE(warning) << server.process().stderr_text();
  EXPECT_NE(warning->find("warn uring-unavailable reason=\"io_uring_setup refused (EPERM)"),
            std::string::npos)
      << *warning;
  EXPECT_NE(warning->find("fallback=epoll"), std::string::npos) << *warning;
  EXPECT_EQ(server.process().count_stderr("uring-unavailable"), 1u);
  EXPECT_TRUE(server.process().wait_for_stderr("info start engine=epoll", 5s))
      << server.process().stderr_text();

  auto fd = server.connect();
  ASSERT_TRUE(fd);
  ASSERT_TRUE(send_all(fd.get(), "still echoes\n"));
  EXPECT_EQ(recv_exact(fd.get(), 13), "still echoes\n");
}

TEST(UringFallback, AutoPicksUringWhereTheKernelAllowsIt) {
  ECHO_SKIP_IF_ENGINE_UNAVAILABLE(std::string("uring"));
  ServerProcess server("auto");
  ASSERT_TRUE(server.started());
  EXPECT_TRUE(server.process().wait_for_stderr("info start engine=uring", 5s))
      << server.process().stderr_text();
  EXPECT_EQ(server.process().count_stderr("uring-unavailable"), 0u)
      << server.process().stderr_text();

  auto fd = server.connect();
  ASSERT_TRUE(fd);
  ASSERT_TRUE(send_all(fd.get(), "uring\n"));
  EXPECT_EQ(recv_exact(fd.get(), 6), "uring\n");
}

TEST(UringFallback, DefaultEngineIsAuto) {
  Process server(ECHO_SERVER_PATH, {"--listen", "127.0.0.1:0"}, denying_io_uring());
  ASSERT_TRUE(server.wait_for_stdout("listening on", 20s)) << server.stderr_text();
  EXPECT_TRUE(server.wait_for_stderr("info start engine=epoll", 5s)) << server.stderr_text();
  EXPECT_EQ(server.count_stderr("uring-unavailable"), 1u) << server.stderr_text();
}

// Where io_uring is refused, the uring half of the suite skips and says why
// rather than failing: run one uring test of this very binary under the filter.
TEST(UringFallback, UringTestsSkipSayingWhyWhereIoUringIsRefused) {
  std::string self(4096, '\0');
  const ssize_t n = ::readlink("/proc/self/exe", self.data(), self.size());
  ASSERT_GT(n, 0);
  self.resize(static_cast<std::size_t>(n));
  Process tests(self, {"--gtest_filter=AllEngines/EchoBasic.Hello/uring"}, denying_io_uring());
  const auto code = tests.wait_exit(30s);
  ASSERT_TRUE(code) << tests.stdout_text();
  tests.wait_for_stdout("\x01never", 5s);  // the pipe's end
  EXPECT_EQ(*code, 0) << tests.stdout_text();
  EXPECT_NE(tests.stdout_text().find("[  SKIPPED ] 1 test"), std::string::npos)
      << tests.stdout_text();
  EXPECT_NE(tests.stdout_text().find(
                "io_uring unavailable: io_uring_setup refused (EPERM): blocked by a seccomp"),
            std::string::npos)
      << tests.stdout_text();
}

// Older kernels lack DEFER_TASKRUN (before 6.1) or COOP_TASKRUN (before 5.19):
// Ring::init then moves on to the next mode. ECHO_URING_REFUSE makes it skip
// those modes here, and the engine must serve exactly as well in each.
struct RingMode {
  const char* refuse;    // ECHO_URING_REFUSE
  const char* expected;  // the mode the uring-ring line names, e.g. "mode=plain"
};

class UringRingModes : public ::testing::TestWithParam<RingMode> {};

TEST_P(UringRingModes, ServesInEveryTaskRunMode) {
  ECHO_SKIP_IF_ENGINE_UNAVAILABLE(std::string("uring"));
  SpawnOptions options;
  options.environment.push_back(std::string("ECHO_URING_REFUSE=") + GetParam().refuse);
  ServerProcess server("uring", {"--threads", "2"}, options);
  ASSERT_TRUE(server.started());
  const auto mode_line = server.process().wait_for_stderr("uring-ring", 5s);
  ASSERT_TRUE(mode_line) << server.process().stderr_text();
  EXPECT_NE(mode_line->find(GetParam().expected), std::string::npos) << *mode_line;

  // Several clients, each echoing 512 KiB in 64 KiB round trips, then a
  // half-close answered by everything and a clean end.
  constexpr int kClients = 8;
  constexpr std::size_t kChunk = 64 * 1024;
  std::vector<net::UniqueFd> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(server.connect());
    ASSERT_TRUE(clients.back());
  }
  for (int round = 0; round < 8; ++round) {
    for (int i = 0; i < kClients; ++i) {
      const std::string chunk = random_bytes(kChunk, static_cast<std::uint64_t>(round * 100 + i));
      ASSERT_TRUE(send_all(clients[i].get(), chunk));
      ASSERT_EQ(recv_exact(clients[i].get(), kChunk), chunk) << "client " << i;
    }
  }
  for (auto& fd : clients) {
    ASSERT_TRUE(send_all(fd.get(), "last words"));
    ::shutdown(fd.get(), SHUT_WR);
    const RecvAll rest = recv_until_end(fd.get());
    EXPECT_EQ(rest.data, "last words");
    EXPECT_EQ(rest.end, StreamEnd::eof) << to_string(rest.end);
  }

  server.process().send_signal(SIGTERM);
  const auto code = server.process().wait_exit(10s);
  ASSERT_TRUE(code) << server.process().stderr_text();
  EXPECT_EQ(*code, 0) << server.process().stderr_text();
}

// The file table's modes too: sockets accepted straight into it (direct,
// Linux 6.8+), or accepted as descriptors and then registered (older kernels).
INSTANTIATE_TEST_SUITE_P(
    Refusing, UringRingModes,
    ::testing::Values(RingMode{"defer_taskrun", "mode=coop_taskrun"},
                      RingMode{"defer_taskrun,coop_taskrun", "mode=plain"},
                      RingMode{"none", "files=direct"},
                      RingMode{"direct_accept", "files=registered"}),
    [](const auto& param_info) {
      std::string name = param_info.param.expected;
      for (char& ch : name) ch = ch == '=' ? '_' : ch;
      return name;
    });

}  // namespace
}  // namespace echo::test
