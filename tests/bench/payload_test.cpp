// The payload stream: deterministic, different per connection, contiguous spans
// across the wrap, and echo verification that finds the first wrong byte.
#include "bench/payload.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "bench/connection.hpp"

namespace echo::bench {
namespace {

std::vector<std::byte> stream_bytes(std::uint64_t seed, std::uint64_t from, std::size_t n) {
  const Payload& payload = Payload::shared();
  const std::uint64_t start = Payload::start_for(seed);
  std::vector<std::byte> bytes(n);
  for (std::size_t i = 0; i < n; ++i) bytes[i] = payload.byte_at(start, from + i);
  return bytes;
}

TEST(Payload, DeterministicForASeed) {
  EXPECT_EQ(Payload::start_for(12345), Payload::start_for(12345));
  EXPECT_EQ(stream_bytes(12345, 0, 4096), stream_bytes(12345, 0, 4096));
  EXPECT_EQ(&Payload::shared(), &Payload::shared());
}

TEST(Payload, DifferentPerConnection) {
  const auto a = stream_bytes(mix_seed(1, mix_seed(0, 0)), 0, 64);
  const auto b = stream_bytes(mix_seed(1, mix_seed(1, 0)), 0, 64);
  const auto c = stream_bytes(mix_seed(1, mix_seed(0, 1)), 0, 64);
  EXPECT_NE(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(b, c);
}

TEST(Payload, LooksRandom) {
  const auto bytes = stream_bytes(99, 0, 1 << 16);
  std::vector<int> histogram(256, 0);
  for (auto b : bytes) ++histogram[static_cast<std::size_t>(b)];
  for (int count : histogram) {
    EXPECT_GT(count, 150);  // 256 expected per value
    EXPECT_LT(count, 370);
  }
}

TEST(Payload, SpansAreContiguousAcrossTheWrap) {
  const Payload& payload = Payload::shared();
  const std::uint64_t start = Payload::kPeriodBytes - 10;
  const std::byte* span = payload.span(start, 0);
  for (std::size_t i = 0; i < Payload::kMaxSpanBytes; i += 997)
    EXPECT_EQ(span[i], payload.byte_at(start, i)) << i;
  EXPECT_EQ(payload.byte_at(start, 5), payload.byte_at(start, 5 + Payload::kPeriodBytes));
}

TEST(Payload, VerifyEchoFindsTheFirstWrongByte) {
  Connection connection;
  connection.reset_stream(7);
  connection.received = 1000;
  auto echoed = stream_bytes(7, 1000, 300);
  std::string detail;
  EXPECT_TRUE(verify_echo(connection, echoed, &detail));
  echoed[123] ^= std::byte{0x01};
  EXPECT_FALSE(verify_echo(connection, echoed, &detail));
  EXPECT_NE(detail.find("stream offset 1123"), std::string::npos) << detail;
  // The same bytes from another connection's stream do not pass.
  Connection other;
  other.reset_stream(8);
  other.received = 1000;
  EXPECT_FALSE(verify_echo(other, stream_bytes(7, 1000, 300), nullptr));
}

TEST(Payload, MessageSizesStayInRange) {
  Connection connection;
  connection.reset_stream(5);
  const SizeRange range{10, 20};
  bool saw_min = false, saw_max = false;
  for (int i = 0; i < 1000; ++i) {
    const std::size_t n = next_message_bytes(connection, range);
    ASSERT_GE(n, 10u);
    ASSERT_LE(n, 20u);
    saw_min |= n == 10;
    saw_max |= n == 20;
  }
  EXPECT_TRUE(saw_min && saw_max);
}

TEST(MessageRing, GrowsToItsCapAndKeepsOrder) {
  MessageRing ring(8);
  ring.reserve(2);
  for (std::uint64_t i = 0; i < 8; ++i) ASSERT_TRUE(ring.push({i, 0}));
  EXPECT_TRUE(ring.full());
  EXPECT_FALSE(ring.push({99, 0}));
  for (std::uint64_t i = 0; i < 5; ++i) {
    EXPECT_EQ(ring.front().end_offset, i);
    ring.pop_front();
  }
  for (std::uint64_t i = 8; i < 13; ++i) ASSERT_TRUE(ring.push({i, 0}));
  for (std::uint64_t i = 5; i < 13; ++i) {
    EXPECT_EQ(ring.front().end_offset, i);
    ring.pop_front();
  }
  EXPECT_TRUE(ring.empty());
}

}  // namespace
}  // namespace echo::bench
