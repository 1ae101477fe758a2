// echo-bench's library entry point against in-process echo servers, correct and
// faulty: every fault is detected, counted under its kind, and sets the exit
// status; the correct server passes in every workload.
#include "bench/run.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <string>

#include "bench/faulty_server.hpp"
#include "net/address.hpp"
#include "net/socket.hpp"

namespace echo::bench {
namespace {

using namespace std::chrono_literals;
using test::Fault;
using test::FaultyServer;

constexpr std::size_t kConnections = 2;

Options options_for(std::uint16_t port) {
  Options options;
  options.target = *net::parse_address("127.0.0.1:" + std::to_string(port));
  options.target_text = "127.0.0.1:" + std::to_string(port);
  options.connections = kConnections;
  options.threads = 1;
  options.messages = 400;
  options.duration = 0s;
  options.timeout = 1s;
  return options;
}

std::string describe(const RunResult& result) {
  std::string text = "exit " + std::to_string(result.exit_code) + ", messages " +
                     std::to_string(result.stats.messages) + ", errors:";
  for (std::size_t i = 0; i < kErrorKindCount; ++i)
    text += " " + std::string(kErrorKindNames[i]) + "=" +
            std::to_string(result.stats.errors.by_kind[i]);
  for (const auto& sample : result.stats.error_samples) text += "\n  " + sample;
  return text;
}

void expect_clean(const RunResult& result) {
  EXPECT_EQ(result.exit_code, kExitOk) << describe(result);
  EXPECT_EQ(result.stats.errors.total(), 0u) << describe(result);
  EXPECT_EQ(result.stats.unfinished_messages, 0u);
}

void expect_only(const RunResult& result, ErrorKind kind, std::uint64_t count) {
  EXPECT_EQ(result.exit_code, kExitErrorsDetected) << describe(result);
  EXPECT_EQ(result.stats.errors.of(kind), count) << describe(result);
  EXPECT_EQ(result.stats.errors.total(), count) << describe(result);
  EXPECT_FALSE(result.stats.error_samples.empty());
}

TEST(BenchRun, CorrectServerPassesClosedLoop) {
  FaultyServer server(Fault::none);
  auto options = options_for(server.port());
  options.connections = 4;
  options.threads = 2;
  options.pipeline = 4;
  options.size = {1, 3000};
  const auto result = run_benchmark(options);
  expect_clean(result);
  EXPECT_EQ(result.stats.messages, 400u);
  EXPECT_EQ(result.stats.latency.count(), 400u);
  EXPECT_EQ(result.stats.bytes_sent, result.stats.bytes_received);
  EXPECT_EQ(result.stats.connections_established, 4u);
  EXPECT_GT(result.window_seconds, 0.0);
}

TEST(BenchRun, CorrectServerPassesForADurationAndDrains) {
  FaultyServer server(Fault::none);
  auto options = options_for(server.port());
  options.messages = 0;
  options.duration = 300ms;
  options.warmup = 100ms;
  options.pipeline = 8;
  const auto result = run_benchmark(options);
  expect_clean(result);
  EXPECT_GT(result.stats.messages, 0u);
  EXPECT_NEAR(result.window_seconds, 0.3, 0.05);
  // Everything sent in the window came back and was checked during the drain.
  EXPECT_EQ(result.stats.latency.count(), result.stats.messages);
}

TEST(BenchRun, CorrectServerPassesStream) {
  FaultyServer server(Fault::none);
  auto options = options_for(server.port());
  options.mode = Mode::stream;
  options.messages = 0;
  options.duration = 300ms;
  const auto result = run_benchmark(options);
  expect_clean(result);
  EXPECT_GT(result.stats.bytes_received, 0u);
  EXPECT_GT(result.stats.bytes_sent, 0u);
}

TEST(BenchRun, CorrectServerPassesReconnect) {
  FaultyServer server(Fault::none);
  auto options = options_for(server.port());
  options.mode = Mode::reconnect;
  options.messages = 50;
  const auto result = run_benchmark(options);
  expect_clean(result);
  EXPECT_EQ(result.stats.connections_completed, 50u);
  EXPECT_EQ(result.stats.connect_latency.count(), 50u);
  EXPECT_GE(result.stats.connections_established, 50u);
}

TEST(BenchRun, CorrectServerPassesOpenLoop) {
  FaultyServer server(Fault::none);
  auto options = options_for(server.port());
  options.mode = Mode::open_loop;
  options.rate_per_second = 2000;
  options.messages = 200;
  const auto result = run_benchmark(options);
  expect_clean(result);
  EXPECT_EQ(result.stats.messages, 200u);
  // 200 messages at 2000/s take 0.1 s, however fast the server is.
  EXPECT_GE(result.window_seconds, 0.09);
}

TEST(BenchRun, DroppedByteIsAMismatch) {
  FaultyServer server(Fault::drop_byte);
  expect_only(run_benchmark(options_for(server.port())), ErrorKind::mismatch, kConnections);
}

TEST(BenchRun, FlippedByteIsAMismatch) {
  FaultyServer server(Fault::flip_byte);
  const auto result = run_benchmark(options_for(server.port()));
  expect_only(result, ErrorKind::mismatch, kConnections);
  EXPECT_NE(result.stats.error_samples[0].find("stream offset 100"), std::string::npos)
      << result.stats.error_samples[0];
}

TEST(BenchRun, FlippedByteIsAMismatchInEveryWorkload) {
  FaultyServer server(Fault::flip_byte, 10);
  for (const Mode mode : {Mode::open_loop, Mode::stream, Mode::reconnect}) {
    auto options = options_for(server.port());
    options.mode = mode;
    options.rate_per_second = 1000;
    if (mode == Mode::stream) {
      options.messages = 0;
      options.duration = 2s;
    }
    const auto result = run_benchmark(options);
    SCOPED_TRACE(mode_name(mode));
    EXPECT_EQ(result.exit_code, kExitErrorsDetected) << describe(result);
    EXPECT_GE(result.stats.errors.of(ErrorKind::mismatch), 1u) << describe(result);
    EXPECT_EQ(result.stats.errors.total(), result.stats.errors.of(ErrorKind::mismatch))
        << describe(result);
  }
}

TEST(BenchRun, ResetIsCounted) {
  FaultyServer server(Fault::reset);
  expect_only(run_benchmark(options_for(server.port())), ErrorKind::reset, kConnections);
}

TEST(BenchRun, StallIsATimeout) {
  FaultyServer server(Fault::stall);
  auto options = options_for(server.port());
  options.timeout = 300ms;
  const auto result = run_benchmark(options);
  expect_only(result, ErrorKind::timeout, kConnections);
}

TEST(BenchRun, EarlyCloseIsAShortEcho) {
  FaultyServer server(Fault::close_early);
  expect_only(run_benchmark(options_for(server.port())), ErrorKind::short_echo, kConnections);
}

TEST(BenchRun, RefusedEverywhereMeansCouldNotConnect) {
  // A bound but not listening socket: the port stays ours, and connects to it are refused.
  net::UniqueFd bound(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const auto any = *net::parse_address("127.0.0.1:0");
  ASSERT_EQ(::bind(bound.get(), any.sa(), any.length), 0);
  const auto result = run_benchmark(options_for(net::local_address(bound.get())->port()));
  EXPECT_EQ(result.exit_code, kExitNoConnection) << describe(result);
  EXPECT_EQ(result.stats.errors.of(ErrorKind::refused), kConnections) << describe(result);
  EXPECT_EQ(result.stats.connections_established, 0u);
}

Options discard_stream_for(std::uint16_t port) {
  auto options = options_for(port);
  options.mode = Mode::stream;
  options.discard = true;
  options.messages = 0;
  options.duration = 300ms;
  return options;
}

TEST(BenchRun, DiscardStreamCountsWithoutVerifying) {
  FaultyServer server(Fault::none);
  const auto result = run_benchmark(discard_stream_for(server.port()));
  expect_clean(result);
  EXPECT_GT(result.stats.bytes_received, 0u);
  EXPECT_GT(result.stats.bytes_sent, 0u);
}

// Not verified means a changed byte goes through: the price of --discard.
TEST(BenchRun, DiscardStreamDoesNotSeeAFlippedByte) {
  FaultyServer server(Fault::flip_byte, 10);
  const auto result = run_benchmark(discard_stream_for(server.port()));
  expect_clean(result);
  EXPECT_GT(result.stats.bytes_received, 0u);
}

// The server echoes exactly 100,000 bytes of each stream, then FIN: the count is
// exact, and the EOF with bytes outstanding is a short echo, as when verifying.
TEST(BenchRun, DiscardStreamCountsExactlyWhatWasEchoedAndSeesAShortEcho) {
  constexpr std::uint64_t kEchoedBytes = 100'000;
  FaultyServer server(Fault::close_early, kEchoedBytes);
  auto options = discard_stream_for(server.port());
  options.duration = 10s;  // ended by the EOFs long before
  const auto result = run_benchmark(options);
  expect_only(result, ErrorKind::short_echo, kConnections);
  EXPECT_EQ(result.stats.bytes_received, kConnections * kEchoedBytes);
  EXPECT_NE(result.stats.error_samples[0].find("EOF after 100000 of "), std::string::npos)
      << result.stats.error_samples[0];
}

TEST(BenchRun, DiscardStreamSeesResetsStallsAndExtraBytes) {
  {
    FaultyServer server(Fault::reset, 10'000);
    auto options = discard_stream_for(server.port());
    options.duration = 10s;
    expect_only(run_benchmark(options), ErrorKind::reset, kConnections);
  }
  {
    FaultyServer server(Fault::stall, 10'000);
    auto options = discard_stream_for(server.port());
    options.duration = 10s;
    options.timeout = 300ms;
    expect_only(run_benchmark(options), ErrorKind::timeout, kConnections);
  }
  {
    // One byte more than was sent shows once the drain has read everything.
    FaultyServer server(Fault::duplicate_byte, 10);
    const auto result = run_benchmark(discard_stream_for(server.port()));
    expect_only(result, ErrorKind::mismatch, kConnections);
    EXPECT_NE(result.stats.error_samples[0].find("1 bytes more than were sent"), std::string::npos)
        << result.stats.error_samples[0];
  }
}

// The server holds every echo for 200 ms once. Open loop measures each message
// from when it was due, so the messages scheduled during the stall carry it: the
// tail shows it. Closed loop sends nothing while it waits, so only the one
// message in flight sees it, and the percentiles hide it (coordinated omission).
TEST(BenchRun, OpenLoopLatencyIncludesAServerStall) {
  constexpr auto kHold = 200ms;
  constexpr std::uint64_t kHoldAfterBytes = 64 * 100;
  constexpr std::uint64_t kStallNs = 200'000'000;
  {
    FaultyServer server(Fault::hold_once, kHoldAfterBytes, kHold);
    auto options = options_for(server.port());
    options.connections = 1;
    options.mode = Mode::open_loop;
    options.rate_per_second = 1000;
    options.messages = 1000;
    const auto result = run_benchmark(options);
    expect_clean(result);
    EXPECT_GE(result.stats.latency.max(), kStallNs);
    // ~200 of 1000 messages were due during the stall; half of them waited > 100 ms.
    EXPECT_GE(result.stats.latency.value_at_percentile(95), kStallNs / 4);
  }
  {
    FaultyServer server(Fault::hold_once, kHoldAfterBytes, kHold);
    auto options = options_for(server.port());
    options.connections = 1;
    options.messages = 1000;
    const auto result = run_benchmark(options);
    expect_clean(result);
    EXPECT_GE(result.stats.latency.max(), kStallNs);
    EXPECT_LT(result.stats.latency.value_at_percentile(95), kStallNs / 4);
  }
}

}  // namespace
}  // namespace echo::bench
