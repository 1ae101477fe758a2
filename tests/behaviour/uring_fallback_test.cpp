// Choosing the engine at start: `--engine uring` where io_uring is refused
// fails with one line naming the reason; `--engine auto` falls back to epoll
// with a warning, and picks uring where the kernel allows it. The refusal is
// real: a seccomp filter in the child makes io_uring_setup fail with EPERM, as a
// container's default profile does.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "behaviour/engine_param.hpp"
#include "support/client_socket.hpp"
#include "support/process.hpp"
#include "support/server_process.hpp"

namespace echo::test {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t nl = text.find('\n', start);
    lines.push_back(text.substr(start, nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return lines;
}

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

  auto fd = connect_loopback(server.port());
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

  auto fd = connect_loopback(server.port());
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

}  // namespace
}  // namespace echo::test
