// echo-bench --proxy-header against an in-process server that reads each
// connection's PROXY header with the library's parser and echoes only what
// follows it (FaultyServer with ProxyHeaders::expected): every workload runs
// clean, the bytes counted are the stream's alone, and each connection claims
// the source the range gives its number.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "bench/faulty_server.hpp"
#include "bench/run.hpp"
#include "net/address.hpp"

namespace echo::bench {
namespace {

using namespace std::chrono_literals;
using test::Fault;
using test::FaultyServer;
using test::ProxyHeaders;

constexpr std::size_t kMessageBytes = 64;

Options proxy_options_for(std::uint16_t port, proxy::Version version,
                          const std::string& sources = "") {
  Options options;
  options.target = *net::parse_address("127.0.0.1:" + std::to_string(port));
  options.target_text = options.target.to_string();
  options.connections = 3;
  options.threads = 1;
  options.messages = 300;
  options.duration = 0s;
  options.timeout = 2s;
  options.size = {kMessageBytes, kMessageBytes};
  ProxyOptions proxy;
  proxy.request.version = version;
  if (!sources.empty()) {
    std::string error;
    proxy.sources = parse_proxy_source_range(sources, &error);
    EXPECT_TRUE(proxy.sources) << error;
  }
  options.proxy = proxy;
  return options;
}

std::string describe(const RunResult& result, const FaultyServer& server) {
  std::string text = "exit " + std::to_string(result.exit_code) + ", errors " +
                     std::to_string(result.stats.errors.total());
  for (const auto& sample : result.stats.error_samples) text += "\n  " + sample;
  for (const auto& error : server.proxy_header_errors()) text += "\n  server: " + error;
  return text;
}

void expect_clean(const RunResult& result, const FaultyServer& server) {
  EXPECT_EQ(result.exit_code, kExitOk) << describe(result, server);
  EXPECT_EQ(result.stats.errors.total(), 0u) << describe(result, server);
  EXPECT_TRUE(server.proxy_header_errors().empty()) << describe(result, server);
}

std::vector<std::string> sources_of(const std::vector<proxy::Header>& headers) {
  std::vector<std::string> sources;
  for (const auto& header : headers) sources.push_back(header.source.to_string());
  return sources;
}

TEST(BenchProxyRun, ClosedLoopV2ClaimsOneSourceOfTheRangePerConnection) {
  FaultyServer server(ProxyHeaders::expected);
  auto options =
      proxy_options_for(server.port(), proxy::Version::v2, "10.0.0.1-10.0.0.2:1000-1001");
  options.threads = 2;
  options.pipeline = 4;
  const auto result = run_benchmark(options);
  expect_clean(result, server);
  EXPECT_EQ(result.stats.messages, 300u);
  // Header bytes are neither sent nor received stream bytes.
  EXPECT_EQ(result.stats.bytes_sent, 300 * kMessageBytes);
  EXPECT_EQ(result.stats.bytes_received, 300 * kMessageBytes);
  EXPECT_EQ(server.bytes_after_headers(), 300 * kMessageBytes);
  const auto headers = server.proxy_headers();
  ASSERT_EQ(headers.size(), 3u);
  const auto sources = sources_of(headers);
  EXPECT_EQ(std::set<std::string>(sources.begin(), sources.end()),
            (std::set<std::string>{"10.0.0.1:1000", "10.0.0.1:1001", "10.0.0.2:1000"}));
  for (const auto& header : headers) {
    EXPECT_EQ(header.version, proxy::Version::v2);
    EXPECT_EQ(header.family, proxy::Family::tcp4);
    EXPECT_EQ(header.destination.to_string(), options.target_text);
  }
}

TEST(BenchProxyRun, ClosedLoopV1ClaimsTheSocketsOwnAddressesByDefault) {
  FaultyServer server(ProxyHeaders::expected);
  auto options = proxy_options_for(server.port(), proxy::Version::v1);
  const auto result = run_benchmark(options);
  expect_clean(result, server);
  EXPECT_EQ(server.bytes_after_headers(), 300 * kMessageBytes);
  const auto headers = server.proxy_headers();
  ASSERT_EQ(headers.size(), 3u);
  std::set<std::uint16_t> ports;
  for (const auto& header : headers) {
    EXPECT_EQ(header.version, proxy::Version::v1);
    EXPECT_EQ(header.source.to_string().rfind("127.0.0.1:", 0), 0u) << header.source.to_string();
    EXPECT_EQ(header.destination.to_string(), options.target_text);
    ports.insert(header.source.port());
  }
  EXPECT_EQ(ports.size(), 3u);  // three sockets, three ephemeral ports
}

// Every reconnect sends a header of its own, here IPv6 claims over an IPv4
// connection, with a TLV and a CRC32C the server verifies.
TEST(BenchProxyRun, ReconnectSendsAFreshHeaderOnEveryConnection) {
  FaultyServer server(ProxyHeaders::expected);
  auto options =
      proxy_options_for(server.port(), proxy::Version::v2, "[fd00::1]-[fd00::ffff]:1024-65535");
  options.mode = Mode::reconnect;
  options.messages = 60;
  options.proxy->request.destination = *net::parse_address("[fd00::1:0]:80");
  options.proxy->request.tlvs = {proxy::Tlv{0xE0, {0, 0, 0, 0, 0, 0, 0, 9}}};
  options.proxy->request.crc32c = true;
  const auto result = run_benchmark(options);
  expect_clean(result, server);
  EXPECT_EQ(result.stats.connections_completed, 60u);
  EXPECT_EQ(result.stats.bytes_sent, 60 * kMessageBytes);
  EXPECT_EQ(server.bytes_after_headers(), 60 * kMessageBytes);
  const auto headers = server.proxy_headers();
  ASSERT_GE(headers.size(), 60u);
  const auto sources = sources_of(headers);
  EXPECT_EQ(std::set<std::string>(sources.begin(), sources.end()).size(), sources.size());
  for (const auto& header : headers) {
    EXPECT_EQ(header.family, proxy::Family::tcp6);
    EXPECT_EQ(header.source.to_string().rfind("[fd00::", 0), 0u) << header.source.to_string();
    EXPECT_EQ(header.destination.to_string(), "[fd00::1:0]:80");
    EXPECT_EQ(header.gcp_psc_connection_id, 9u);
    EXPECT_TRUE(header.crc32c_verified);
  }
}

// One slot connects 23 times in a row: connection n claims pair n mod 5.
TEST(BenchProxyRun, ReconnectWrapsAroundTheRangeInOrder) {
  FaultyServer server(ProxyHeaders::expected);
  auto options = proxy_options_for(server.port(), proxy::Version::v1, "10.9.0.1:2000-2004");
  options.mode = Mode::reconnect;
  options.connections = 1;
  options.messages = 23;
  const auto result = run_benchmark(options);
  expect_clean(result, server);
  const auto sources = sources_of(server.proxy_headers());
  ASSERT_GE(sources.size(), 23u);
  for (std::size_t n = 0; n < sources.size(); ++n)
    EXPECT_EQ(sources[n], "10.9.0.1:" + std::to_string(2000 + n % 5)) << n;
}

TEST(BenchProxyRun, StreamSendsTheHeaderBeforeTheStream) {
  FaultyServer server(ProxyHeaders::expected);
  auto options = proxy_options_for(server.port(), proxy::Version::v1, "192.0.2.1-192.0.2.9:80");
  options.mode = Mode::stream;
  options.connections = 2;
  options.messages = 0;
  options.duration = 300ms;
  const auto result = run_benchmark(options);
  expect_clean(result, server);
  EXPECT_GT(result.stats.bytes_received, 0u);
  // Everything after the header was echoed and verified; the server saw at
  // least what was counted in the window (sends after its end are not counted).
  EXPECT_GE(server.bytes_after_headers(), result.stats.bytes_sent);
  const auto sources = sources_of(server.proxy_headers());
  EXPECT_EQ(std::set<std::string>(sources.begin(), sources.end()),
            (std::set<std::string>{"192.0.2.1:80", "192.0.2.2:80"}));
}

TEST(BenchProxyRun, OpenLoopSendsTheHeaderBeforeTheSchedule) {
  FaultyServer server(ProxyHeaders::expected);
  auto options = proxy_options_for(server.port(), proxy::Version::v2);
  options.mode = Mode::open_loop;
  options.rate_per_second = 2000;
  options.messages = 100;
  const auto result = run_benchmark(options);
  expect_clean(result, server);
  EXPECT_EQ(result.stats.messages, 100u);
  EXPECT_EQ(server.proxy_headers().size(), 3u);
  EXPECT_EQ(server.bytes_after_headers(), 100 * kMessageBytes);
}

// A plain echo server sends the header back: a mismatch at stream offset 0,
// with a hint at the likely cause.
TEST(BenchProxyRun, AServerThatEchoesTheHeaderIsAMismatchWithAHint) {
  FaultyServer server(Fault::none);
  const auto result = run_benchmark(proxy_options_for(server.port(), proxy::Version::v2));
  EXPECT_EQ(result.exit_code, kExitErrorsDetected);
  EXPECT_EQ(result.stats.errors.of(ErrorKind::mismatch), 3u);
  ASSERT_FALSE(result.stats.error_samples.empty());
  EXPECT_NE(result.stats.error_samples[0].find("does the server read PROXY headers?"),
            std::string::npos)
      << result.stats.error_samples[0];
}

// A header the server refuses closes the connection: an error, not a hang.
TEST(BenchProxyRun, WithoutAHeaderAProxyServerClosesAndTheRunFails) {
  FaultyServer server(ProxyHeaders::expected);
  auto options = proxy_options_for(server.port(), proxy::Version::v2);
  options.proxy.reset();
  const auto result = run_benchmark(options);
  EXPECT_EQ(result.exit_code, kExitErrorsDetected);
  EXPECT_EQ(result.stats.errors.total(), 3u);
  EXPECT_EQ(server.proxy_header_errors().size(), 3u);
}

}  // namespace
}  // namespace echo::bench
