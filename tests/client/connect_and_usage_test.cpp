// echo-client failures before any session: usage errors exit 2, connection
// failures exit 3, each with one "echo-client: ..." line on stderr.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "client/client_harness.hpp"
#include "net/address.hpp"
#include "net/socket.hpp"

namespace echo::test {
namespace {

constexpr int kUsageExit = 2;
constexpr int kConnectExit = 3;
// Enough connections to fill any accept queue the kernel grants a backlog of 0.
constexpr int kMaxQueueFillers = 16;
constexpr auto kFillerProbeTimeout = 200ms;

ClientRun run_without_input(const std::vector<std::string>& args) {
  TempDir dir;
  return run_client(args, "", dir.path("out"));
}

// A TCP socket bound to 127.0.0.1 with a kernel-chosen port. Bound but never
// listening, so a connect to it is refused; held open, so no one else gets the port.
net::UniqueFd bound_socket(std::uint16_t* port) {
  net::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const auto address = net::parse_address("127.0.0.1:0");
  if (!fd || ::bind(fd.get(), address->sa(), address->length) != 0) return {};
  *port = net::local_address(fd.get())->port();
  return fd;
}

TEST(ClientConnect, RefusedExitsThreeWithOneLine) {
  std::uint16_t port = 0;
  const net::UniqueFd holder = bound_socket(&port);
  ASSERT_TRUE(holder);
  const ClientRun run = run_without_input({loopback(port)});
  EXPECT_EQ(run.exit_code, kConnectExit);
  EXPECT_EQ(count_error_lines(run.stderr_text), 1u) << run.stderr_text;
  EXPECT_NE(run.stderr_text.find("connection refused by " + loopback(port)), std::string::npos)
      << run.stderr_text;
}

// A listener with backlog 0 that never accepts: once its accept queue is full the
// kernel drops new SYNs, so connecting times out. The queue counts as full only
// after a probe connection of our own has timed out, so the client's timeout is
// not a race.
TEST(ClientConnect, TimeoutExitsThreeWithOneLine) {
  std::uint16_t port = 0;
  const net::UniqueFd listener = bound_socket(&port);
  ASSERT_TRUE(listener);
  ASSERT_EQ(::listen(listener.get(), 0), 0);
  const auto address = net::parse_address(loopback(port));
  std::vector<net::UniqueFd> fillers;
  bool queue_full = false;
  for (int i = 0; i < kMaxQueueFillers && !queue_full; ++i) {
    int error = 0;
    net::UniqueFd filler = net::connect_to(*address, kFillerProbeTimeout, &error);
    if (filler) {
      fillers.push_back(std::move(filler));
    } else {
      ASSERT_EQ(error, -ETIMEDOUT) << "probe connect failed: " << std::strerror(-error);
      queue_full = true;
    }
  }
  if (!queue_full) GTEST_SKIP() << "this kernel kept accepting SYNs past a full accept queue";

  const ClientRun run = run_without_input({"--connect-timeout", "300ms", loopback(port)});
  EXPECT_EQ(run.exit_code, kConnectExit);
  EXPECT_EQ(count_error_lines(run.stderr_text), 1u) << run.stderr_text;
  EXPECT_NE(run.stderr_text.find("timed out connecting to " + loopback(port) + " after 300ms"),
            std::string::npos)
      << run.stderr_text;
}

struct UsageCase {
  std::vector<std::string> args;
  std::string expected;  // part of the one stderr line
};

class ClientUsage : public ::testing::TestWithParam<UsageCase> {};

TEST_P(ClientUsage, ExitsTwoWithOneLine) {
  const ClientRun run = run_without_input(GetParam().args);
  EXPECT_EQ(run.exit_code, kUsageExit);
  EXPECT_EQ(count_error_lines(run.stderr_text), 1u) << run.stderr_text;
  EXPECT_EQ(std::count(run.stderr_text.begin(), run.stderr_text.end(), '\n'), 1) << run.stderr_text;
  EXPECT_NE(run.stderr_text.find(GetParam().expected), std::string::npos) << run.stderr_text;
}

INSTANTIATE_TEST_SUITE_P(
    BadCommandLines, ClientUsage,
    ::testing::Values(UsageCase{{"--no-such-flag"}, "--no-such-flag"},
                      UsageCase{{"127.0.0.1"}, "expected HOST:PORT"},
                      UsageCase{{"example.com:7"}, "numeric"},
                      UsageCase{{"127.0.0.1:70000"}, "port"}, UsageCase{{"127.0.0.1:0"}, "port 0"},
                      UsageCase{{"--reply-timeout", "soon", "127.0.0.1:7"}, "not a duration"},
                      UsageCase{{"--interactive", "--pipe", "127.0.0.1:7"}, "excludes"},
                      UsageCase{{"127.0.0.1:7", "127.0.0.1:8"}, "not expected"}));

// --proxy-header and its companions: each mistake is one line and exit 2,
// before any connection is tried (port 7 is never connected to).
INSTANTIATE_TEST_SUITE_P(
    BadProxyOptions, ClientUsage,
    ::testing::Values(
        UsageCase{{"--proxy-header", "v3", "127.0.0.1:7"}, "'v3' is not a version: use v1 or v2"},
        UsageCase{{"--proxy-source", "10.0.0.1:1", "127.0.0.1:7"},
                  "--proxy-source needs --proxy-header"},
        UsageCase{{"--proxy-destination", "10.0.0.1:1", "127.0.0.1:7"},
                  "--proxy-destination needs --proxy-header"},
        UsageCase{{"--proxy-tlv", "1=AA", "127.0.0.1:7"}, "--proxy-tlv needs --proxy-header v2"},
        UsageCase{{"--proxy-header", "v1", "--proxy-tlv", "1=AA", "127.0.0.1:7"},
                  "--proxy-tlv needs --proxy-header v2 (a v1 header has no TLVs)"},
        UsageCase{{"--proxy-header", "v1", "--proxy-crc32c", "127.0.0.1:7"},
                  "--proxy-crc32c needs --proxy-header v2"},
        UsageCase{{"--proxy-header", "v2", "--proxy-tlv", "256=AA", "127.0.0.1:7"},
                  "the type must be a number from 0 to 255"},
        UsageCase{{"--proxy-header", "v2", "--proxy-tlv", "0x20=ABC", "127.0.0.1:7"},
                  "even number of hex digits"},
        UsageCase{{"--proxy-header", "v2", "--proxy-tlv", "1=ZZ", "127.0.0.1:7"},
                  "hex digits only"},
        UsageCase{{"--proxy-header", "v2", "--proxy-tlv", "AA", "127.0.0.1:7"},
                  "expected TYPE=HEX"},
        UsageCase{{"--proxy-header", "v2", "--proxy-source", "10.0.0.1", "127.0.0.1:7"},
                  "--proxy-source: invalid address '10.0.0.1'"},
        UsageCase{{"--proxy-header", "v2", "--proxy-destination", "nowhere:1", "127.0.0.1:7"},
                  "--proxy-destination: invalid address 'nowhere:1'"},
        UsageCase{{"--proxy-header", "v2", "--proxy-source", "[::1]:5", "127.0.0.1:7"},
                  "--proxy-source is IPv6 and the server's address (no --proxy-destination) is "
                  "IPv4"},
        UsageCase{{"--proxy-header", "v1", "--proxy-destination", "[::1]:5", "127.0.0.1:7"},
                  "the client's own address (no --proxy-source) is IPv4 and --proxy-destination "
                  "is IPv6"}));

TEST(ClientUsageInfo, HelpListsExitCodesAndExitsZero) {
  TempDir dir;
  const ClientRun run = run_client({"--help"}, "", dir.path("out"));
  EXPECT_EQ(run.exit_code, 0);
  const std::string help = read_file(dir.path("out"));
  for (const char* needle :
       {"--connect-timeout", "--reply-timeout", "--interactive", "--pipe", "--proxy-header",
        "--proxy-source", "--proxy-destination", "--proxy-tlv", "--proxy-crc32c", "Exit codes",
        "3  could not connect"}) {
    EXPECT_NE(help.find(needle), std::string::npos) << needle;
  }
}

TEST(ClientUsageInfo, VersionExitsZero) {
  TempDir dir;
  const ClientRun run = run_client({"--version"}, "", dir.path("out"));
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(read_file(dir.path("out")).find("echo-client"), std::string::npos);
}

}  // namespace
}  // namespace echo::test
