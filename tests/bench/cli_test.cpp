// The echo-bench binary: exit statuses (0 ok, 1 errors, 2 usage, 3 no connection),
// one-line usage errors, --json, --histogram, and the descriptor-limit check.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "bench/faulty_server.hpp"
#include "bench/options.hpp"
#include "net/address.hpp"
#include "support/process.hpp"

namespace echo::bench {
namespace {

using namespace std::chrono_literals;
using test::Fault;
using test::FaultyServer;

constexpr auto kExitDeadline = 30s;

struct Finished {
  int exit_code = -1;
  std::string out;
  std::string err;
};

Finished run_bench(const std::vector<std::string>& args,
                   const echo::test::SpawnOptions& spawn = {}) {
  echo::test::Process process(ECHO_BENCH_PATH, args, spawn);
  Finished finished;
  const auto code = process.wait_exit(kExitDeadline);
  EXPECT_TRUE(code.has_value()) << "echo-bench did not exit";
  finished.exit_code = code.value_or(-1);
  // The exit can be seen before the reader thread has drained the pipes. A
  // captured line never contains '\n', so these waits return once each pipe is
  // closed (or after the bound): then the text is complete.
  process.wait_for_stdout("\n", 5s);
  process.wait_for_stderr("\n", 5s);
  finished.out = process.stdout_text();
  finished.err = process.stderr_text();
  return finished;
}

std::size_t line_count(const std::string& text) {
  std::size_t lines = 0;
  for (char c : text) lines += c == '\n';
  return lines + (!text.empty() && text.back() != '\n');
}

std::string target(std::uint16_t port) {
  return "127.0.0.1:" + std::to_string(port);
}

TEST(BenchCli, CorrectServerJsonReport) {
  FaultyServer server(Fault::none);
  const auto run =
      run_bench({target(server.port()), "--connections", "3", "--messages", "300", "--json"});
  ASSERT_EQ(run.exit_code, kExitOk) << run.out << run.err;
  const auto report = nlohmann::json::parse(run.out);
  EXPECT_EQ(report["messages"], 300);
  EXPECT_EQ(report["errors"]["total"], 0);
  EXPECT_EQ(report["exit_status"], 0);
  EXPECT_GT(report["latency_ns"]["p99"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(run.err, "");  // stdout is a pipe: no progress lines
}

TEST(BenchCli, TextReportAndHistogramFile) {
  FaultyServer server(Fault::none);
  char path[] = "/tmp/echo-bench-test-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  const auto run =
      run_bench({target(server.port()), "-c", "2", "-m", "500", "-k", "2", "--histogram", path});
  EXPECT_EQ(run.exit_code, kExitOk) << run.out << run.err;
  EXPECT_NE(run.out.find("500 echoed and verified"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("errors      none"), std::string::npos) << run.out;
  std::ifstream file(path);
  std::stringstream hgrm;
  hgrm << file.rdbuf();
  ::unlink(path);
  EXPECT_EQ(hgrm.str().rfind("       Value     Percentile TotalCount 1/(1-Percentile)\n\n", 0), 0u)
      << hgrm.str();
  EXPECT_NE(hgrm.str().find("Total count    =          500]"), std::string::npos) << hgrm.str();
}

TEST(BenchCli, DiscardStreamSaysItDidNotVerify) {
  FaultyServer server(Fault::none);
  const auto json = run_bench(
      {target(server.port()), "-c", "2", "-d", "300ms", "--stream", "--discard", "--json"});
  ASSERT_EQ(json.exit_code, kExitOk) << json.out << json.err;
  const auto report = nlohmann::json::parse(json.out);
  EXPECT_EQ(report["discard"], true);
  EXPECT_EQ(report["verified"], false);
  EXPECT_GT(report["bytes_received"].get<std::uint64_t>(), 0u);

  const auto text =
      run_bench({target(server.port()), "-c", "2", "-d", "300ms", "--stream", "--discard"});
  ASSERT_EQ(text.exit_code, kExitOk) << text.out << text.err;
  EXPECT_NE(text.out.find("received (counted, not verified)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("counted, not checked"), std::string::npos) << text.out;

  const auto verifying =
      run_bench({target(server.port()), "-c", "2", "-d", "300ms", "--stream", "--json"});
  ASSERT_EQ(verifying.exit_code, kExitOk) << verifying.out << verifying.err;
  const auto verified = nlohmann::json::parse(verifying.out);
  EXPECT_EQ(verified["discard"], false);
  EXPECT_EQ(verified["verified"], true);
}

TEST(BenchCli, MismatchExitsOne) {
  FaultyServer server(Fault::flip_byte);
  const auto run = run_bench({target(server.port()), "-c", "2", "-m", "300", "--json"});
  EXPECT_EQ(run.exit_code, kExitErrorsDetected) << run.out << run.err;
  const auto report = nlohmann::json::parse(run.out);
  EXPECT_EQ(report["errors"]["mismatch"], 2);
  EXPECT_EQ(report["exit_status"], 1);
}

TEST(BenchCli, NothingListeningExitsThree) {
  net::UniqueFd bound(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const auto any = *net::parse_address("127.0.0.1:0");
  ASSERT_EQ(::bind(bound.get(), any.sa(), any.length), 0);
  const auto run =
      run_bench({target(net::local_address(bound.get())->port()), "-c", "2", "-m", "10"});
  EXPECT_EQ(run.exit_code, kExitNoConnection) << run.out << run.err;
  EXPECT_NE(run.out.find("refused 2"), std::string::npos) << run.out;
}

TEST(BenchCli, UsageErrorsAreOneLineAndExitTwo) {
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"127.0.0.1"},
      {"127.0.0.1:7", "--bogus"},
      {"127.0.0.1:7", "--connections", "0"},
      {"127.0.0.1:7", "--size", "10-5"},
      {"127.0.0.1:7", "--size", "lots"},
      {"127.0.0.1:7", "--duration", "soon"},
      {"127.0.0.1:7", "--duration", "1s", "--messages", "5"},
      {"127.0.0.1:7", "--rate", "100", "--stream"},
      {"127.0.0.1:7", "--stream", "--reconnect"},
      {"127.0.0.1:7", "--discard"},
      {"127.0.0.1:7", "--discard", "--reconnect"},
      {"127.0.0.1:7", "--discard", "--rate", "100"},
      {"127.0.0.1:7", "--timeout", "0"},
      {"127.0.0.1:7", "--source", "127.0.0.9-127.0.0.1"},
      {"[::1]:7", "--source", "127.0.0.1"},
      {"127.0.0.1:7", "--histogram", "/nonexistent-dir/x.hgrm"},
  };
  for (const auto& args : cases) {
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    const auto run = run_bench(args);
    EXPECT_EQ(run.exit_code, kExitUsage) << joined << "\n" << run.err;
    EXPECT_EQ(line_count(run.err), 1u) << joined << "\n" << run.err;
    EXPECT_EQ(run.err.rfind("echo-bench: ", 0), 0u) << joined << "\n" << run.err;
    EXPECT_EQ(run.out, "") << joined;
  }
}

TEST(BenchCli, TooFewDescriptorsSaysHowManyAndExitsTwo) {
  echo::test::SpawnOptions spawn;
  spawn.max_open_files = 64;
  const auto run = run_bench({"127.0.0.1:7", "--connections", "1000", "--threads", "1"}, spawn);
  EXPECT_EQ(run.exit_code, kExitUsage) << run.err;
  EXPECT_EQ(line_count(run.err), 1u) << run.err;
  EXPECT_NE(run.err.find("1000 connections need 1018 file descriptors but the limit is 64"),
            std::string::npos)
      << run.err;
}

TEST(BenchOptions, ParsesWorkloads) {
  std::ostringstream out, err;
  const char* argv[] = {"echo-bench", "127.0.0.1:7", "-c",       "8",
                        "-s",         "1K-2K",       "--rate",   "500",
                        "--warmup",   "250ms",       "--source", "127.0.0.1-127.0.0.4",
                        "-t",         "16"};
  const auto parsed = parse_options(static_cast<int>(std::size(argv)), argv, out, err);
  ASSERT_TRUE(parsed.options) << err.str();
  const Options& o = *parsed.options;
  EXPECT_EQ(o.mode, Mode::open_loop);
  EXPECT_EQ(o.size.min_bytes, 1024u);
  EXPECT_EQ(o.size.max_bytes, 2048u);
  EXPECT_EQ(o.warmup, 250ms);
  EXPECT_EQ(o.sources.size(), 4u);
  EXPECT_EQ(o.threads, 8u);  // never more threads than connections
  EXPECT_DOUBLE_EQ(o.rate_per_second, 500);
}

}  // namespace
}  // namespace echo::bench
