// echo-bench's per-connection PROXY headers: byte for byte what the encoder
// (src/proxy/encoder.hpp) writes for the same addresses, v1 and v2, IPv4 and
// IPv6, TLVs and CRC32C included; each slot's buffer is reused, never
// reallocated; and send_stream sends the header before the stream, resuming
// a partial write of it, without counting it as stream bytes.
#include "bench/proxy_header.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "bench/connection.hpp"
#include "bench/payload.hpp"
#include "proxy/encoder.hpp"
#include "proxy/parser.hpp"

namespace echo::bench {
namespace {

net::Address address(const std::string& text) {
  return *net::parse_address(text);
}

ProxyOptions proxy_options(proxy::Version version, const std::string& sources) {
  ProxyOptions options;
  options.request.version = version;
  if (!sources.empty()) options.sources = parse_proxy_source_range(sources, nullptr);
  return options;
}

// What the encoder writes for a PROXY header from `source` to `destination`.
std::vector<std::uint8_t> encoded(const ProxyOptions& options, const net::Address& source,
                                  const net::Address& destination) {
  proxy::Header header;
  header.version = options.request.version;
  header.family = source.family() == AF_INET ? proxy::Family::tcp4 : proxy::Family::tcp6;
  header.source = source;
  header.destination = destination;
  if (header.version == proxy::Version::v1) return proxy::encode_v1(header);
  return proxy::encode_v2(header, {options.request.tlvs, options.request.crc32c});
}

void expect_encoder_bytes(const ProxyOptions& options, const net::Address& target,
                          std::uint64_t connections) {
  const ProxyHeaderMaker maker(options, target);
  const net::Address destination = options.request.destination.value_or(target);
  std::vector<std::uint8_t> out;
  for (std::uint64_t n = 0; n < connections; ++n) {
    maker.write(n, nullptr, out);
    EXPECT_EQ(out, encoded(options, options.sources->address_of(n), destination)) << n;
  }
}

TEST(BenchProxyHeader, V1IsTheEncodersLineForEveryClaim) {
  expect_encoder_bytes(proxy_options(proxy::Version::v1, "10.0.0.1-10.0.0.12:65534-65535"),
                       address("127.0.0.1:7878"), 30);
  auto options = proxy_options(proxy::Version::v1, "[2001:db8::fffe]-[2001:db8::1:1]:0-1");
  options.request.destination = address("[fd00::1]:443");
  expect_encoder_bytes(options, address("127.0.0.1:7878"), 12);
}

TEST(BenchProxyHeader, V2IsTheEncodersHeaderWithTlvsAndCrc32c) {
  auto options = proxy_options(proxy::Version::v2, "10.0.0.250-10.0.1.5:1024-1026");
  options.request.tlvs = {proxy::Tlv{0xE0, {0, 0, 0, 0, 0, 0, 0, 7}}, proxy::make_tlv(2, "a.b")};
  options.request.crc32c = true;
  expect_encoder_bytes(options, address("127.0.0.1:7878"), 40);

  options = proxy_options(proxy::Version::v2, "[fd00::1]-[fd00::ffff]:1024-65535");
  options.request.destination = address("[fd00::2:1]:80");
  options.request.crc32c = true;
  expect_encoder_bytes(options, address("127.0.0.1:7878"), 10);
}

// The patched CRC32C is one the parser accepts, and the claim is the range's.
TEST(BenchProxyHeader, PatchedV2HeadersParseWithAValidCrc32c) {
  auto options = proxy_options(proxy::Version::v2, "192.0.2.1-192.0.2.255:1000-1009");
  options.request.crc32c = true;
  const ProxyHeaderMaker maker(options, address("127.0.0.1:7878"));
  std::vector<std::uint8_t> out;
  for (const std::uint64_t n : {0u, 1u, 9u, 10u, 2549u}) {
    maker.write(n, nullptr, out);
    proxy::Parser parser;
    const auto step = parser.feed(out);
    ASSERT_EQ(step.status, proxy::Parser::Status::done) << parser.error();
    EXPECT_EQ(step.consumed, out.size());
    EXPECT_TRUE(parser.header().crc32c_verified);
    EXPECT_EQ(parser.header().source.to_string(), options.sources->address_of(n).to_string());
    EXPECT_EQ(parser.header().destination.to_string(), "127.0.0.1:7878");
  }
}

TEST(BenchProxyHeader, WithoutARangeTheSourceIsTheSocketsOwnAddress) {
  for (const auto version : {proxy::Version::v1, proxy::Version::v2}) {
    const auto options = proxy_options(version, "");
    const ProxyHeaderMaker maker(options, address("127.0.0.1:7878"));
    EXPECT_TRUE(maker.needs_local_address());
    const net::Address local = address("127.0.0.1:40001");
    std::vector<std::uint8_t> out;
    maker.write(5, &local, out);
    EXPECT_EQ(out, encoded(options, local, address("127.0.0.1:7878")));
  }
}

// --reconnect writes a header per connection into its slot's buffer: after the
// first, none of them allocates.
TEST(BenchProxyHeader, TheSlotsBufferIsReused) {
  for (const auto version : {proxy::Version::v1, proxy::Version::v2}) {
    const auto options = proxy_options(version, "[2001:db8::1]-[2001:db8::ffff:ffff]:1-65535");
    const ProxyHeaderMaker maker(options, address("[::1]:7878"));
    std::vector<std::uint8_t> out;
    maker.write(0, nullptr, out);
    const std::uint8_t* buffer = out.data();
    for (std::uint64_t n = 1; n < 100'000; n += 997) {
      maker.write(n * 65535, nullptr, out);
      ASSERT_EQ(out.data(), buffer) << n;
    }
  }
}

// The connection gets one end of a non-blocking socket pair and a fresh
// stream; the other end is returned, for the test to read.
net::UniqueFd connect_pair(Connection& connection, std::uint64_t seed) {
  int fds[2] = {-1, -1};
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0)
      << std::strerror(errno);
  connection.fd.reset(fds[0]);
  connection.reset_stream(seed);
  return net::UniqueFd(fds[1]);
}

// A non-blocking socket pair with a small send buffer that nobody reads until
// the sender is stuck: the header (60 KB of TLV) cannot go out in one call.
TEST(BenchProxyHeader, SendStreamResumesAPartialHeaderAndCountsOnlyTheStream) {
  Connection connection;
  const net::UniqueFd receiver = connect_pair(connection, 42);
  const int send_buffer_bytes = 4096;
  ::setsockopt(connection.fd.get(), SOL_SOCKET, SO_SNDBUF, &send_buffer_bytes,
               sizeof send_buffer_bytes);
  constexpr std::size_t kHeaderBytes = 60'000;
  constexpr std::uint64_t kStreamBytes = 100'000;
  for (std::size_t i = 0; i < kHeaderBytes; ++i)
    connection.proxy_header.push_back(static_cast<std::uint8_t>(i * 7));
  connection.target = kStreamBytes;

  std::vector<std::uint8_t> received;
  std::uint64_t stream_counted = 0;
  bool saw_partial_header = false;
  char chunk[8192];
  for (int round = 0; connection.wants_to_send() && round < 100'000; ++round) {
    const ssize_t n = send_stream(connection);
    ASSERT_GE(n, 0) << std::strerror(static_cast<int>(-n));
    stream_counted += static_cast<std::uint64_t>(n);
    if (connection.proxy_header_sent > 0 && connection.proxy_header_pending()) {
      saw_partial_header = true;
      EXPECT_EQ(connection.sent, 0u);  // nothing of the stream before all of the header
    }
    for (ssize_t got; (got = ::recv(receiver.get(), chunk, sizeof chunk, 0)) > 0;)
      received.insert(received.end(), chunk, chunk + got);
  }
  for (ssize_t got; (got = ::recv(receiver.get(), chunk, sizeof chunk, 0)) > 0;)
    received.insert(received.end(), chunk, chunk + got);

  EXPECT_TRUE(saw_partial_header);
  EXPECT_EQ(stream_counted, kStreamBytes);
  EXPECT_EQ(connection.sent, kStreamBytes);
  ASSERT_EQ(received.size(), kHeaderBytes + kStreamBytes);
  EXPECT_TRUE(
      std::equal(connection.proxy_header.begin(), connection.proxy_header.end(), received.begin()));
  const Payload& payload = Payload::shared();
  for (std::uint64_t offset = 0; offset < kStreamBytes; ++offset) {
    ASSERT_EQ(static_cast<std::byte>(received[kHeaderBytes + offset]),
              payload.byte_at(connection.pattern_start, offset))
        << offset;
  }
}

// The usual case: a small header and the first message leave in one call.
TEST(BenchProxyHeader, SendStreamSendsASmallHeaderWithTheFirstMessage) {
  Connection connection;
  const net::UniqueFd receiver = connect_pair(connection, 7);
  connection.proxy_header.assign(28, 0xAB);
  connection.target = 64;
  EXPECT_EQ(send_stream(connection), 64);
  EXPECT_FALSE(connection.wants_to_send());
  char chunk[256];
  EXPECT_EQ(::recv(receiver.get(), chunk, sizeof chunk, 0), 28 + 64);
  // Reconnected or not, a connection whose header is out sends only its stream.
  connection.target = 128;
  EXPECT_EQ(send_stream(connection), 64);
  EXPECT_EQ(::recv(receiver.get(), chunk, sizeof chunk, 0), 64);
}

}  // namespace
}  // namespace echo::bench
