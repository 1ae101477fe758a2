// PROXY protocol v2: every family, LOCAL, the data after the header left alone,
// the size limit, and one case per reason for rejecting the fixed part.
#include <gtest/gtest.h>

#include <string>

#include "proxy/parser.hpp"
#include "proxy_test_bytes.hpp"

namespace echo::proxy::test {
namespace {

constexpr std::uint8_t proxy_v2 = 0x21;
constexpr std::uint8_t local_v2 = 0x20;

TEST(ProxyV2, Tcp4) {
  const Bytes header = v2(proxy_v2, 0x11, ipv4_block());
  const auto outcome = parse(header);
  ASSERT_EQ(outcome.status, Parser::Status::done) << outcome.error;
  EXPECT_EQ(outcome.consumed, 28u);
  EXPECT_EQ(outcome.header.version, Version::v2);
  EXPECT_EQ(outcome.header.command, Command::proxy);
  EXPECT_EQ(outcome.header.family, Family::tcp4);
  EXPECT_EQ(outcome.header.source.to_string(), "192.168.0.1:56324");
  EXPECT_EQ(outcome.header.destination.to_string(), "192.168.0.11:443");
  EXPECT_TRUE(outcome.header.has_real_peer());
  EXPECT_TRUE(outcome.header.tlvs.empty());
}

TEST(ProxyV2, Tcp6AndUdp) {
  auto outcome = parse(v2(proxy_v2, 0x21, ipv6_block()));
  ASSERT_EQ(outcome.status, Parser::Status::done) << outcome.error;
  EXPECT_EQ(outcome.header.family, Family::tcp6);
  EXPECT_EQ(outcome.header.source.to_string(), "[2001:db8::1]:1");
  EXPECT_EQ(outcome.header.destination.to_string(), "[::1]:2");
  EXPECT_TRUE(outcome.header.has_real_peer());

  outcome = parse(v2(proxy_v2, 0x12, ipv4_block()));
  ASSERT_EQ(outcome.status, Parser::Status::done) << outcome.error;
  EXPECT_EQ(outcome.header.family, Family::udp4);
  EXPECT_EQ(outcome.header.source.to_string(), "192.168.0.1:56324");
  EXPECT_FALSE(outcome.header.has_real_peer());  // the echo peer is still a TCP socket

  outcome = parse(v2(proxy_v2, 0x22, ipv6_block()));
  ASSERT_EQ(outcome.status, Parser::Status::done) << outcome.error;
  EXPECT_EQ(outcome.header.family, Family::udp6);
}

TEST(ProxyV2, UnixPathsWithAndWithoutNul) {
  Bytes block(216, 0);
  const std::string source = "/run/client.sock";
  std::copy(source.begin(), source.end(), block.begin());
  std::fill(block.begin() + 108, block.end(), 'd');  // 108 bytes, no NUL
  for (const std::uint8_t family : {std::uint8_t{0x31}, std::uint8_t{0x32}}) {
    const auto outcome = parse(v2(proxy_v2, family, block));
    ASSERT_EQ(outcome.status, Parser::Status::done) << outcome.error;
    EXPECT_EQ(outcome.header.family, family == 0x31 ? Family::unix_stream : Family::unix_dgram);
    EXPECT_EQ(outcome.header.source_path, source);
    EXPECT_EQ(outcome.header.destination_path, std::string(108, 'd'));
    EXPECT_FALSE(outcome.header.has_real_peer());
  }
}

TEST(ProxyV2, UnspecKeepsTheSocketsPeer) {
  const auto outcome = parse(v2(proxy_v2, 0x00, {}));
  ASSERT_EQ(outcome.status, Parser::Status::done) << outcome.error;
  EXPECT_EQ(outcome.consumed, 16u);
  EXPECT_EQ(outcome.header.family, Family::unspec);
  EXPECT_FALSE(outcome.header.has_real_peer());
}

TEST(ProxyV2, LocalIgnoresTheAddressBlockButRespectsTheLength) {
  auto outcome = parse(v2(local_v2, 0x00, {}));
  ASSERT_EQ(outcome.status, Parser::Status::done) << outcome.error;
  EXPECT_EQ(outcome.header.command, Command::local);
  EXPECT_FALSE(outcome.header.has_real_peer());

  // A full IPv4 block is skipped, not decoded; the TLVs after it are read.
  const Bytes with_block =
      cat({v2(local_v2, 0x11, cat({ipv4_block(), tlv(0x01, "h2")})), bytes("data")});
  outcome = parse(with_block);
  ASSERT_EQ(outcome.status, Parser::Status::done) << outcome.error;
  EXPECT_EQ(outcome.consumed, with_block.size() - 4);
  EXPECT_EQ(outcome.header.family, Family::tcp4);
  EXPECT_EQ(outcome.header.source.length, 0u);
  EXPECT_EQ(outcome.header.alpn, "h2");
  EXPECT_FALSE(outcome.header.has_real_peer());

  // A block too short for its family is skipped whole.
  outcome = parse(v2(local_v2, 0x21, Bytes(5, 0xAB)));
  ASSERT_EQ(outcome.status, Parser::Status::done) << outcome.error;
  EXPECT_EQ(outcome.consumed, 21u);
  EXPECT_TRUE(outcome.header.tlvs.empty());
}

TEST(ProxyV2, StopsExactlyAtTheEndOfTheHeader) {
  const Bytes header = v2(proxy_v2, 0x11, cat({ipv4_block(), tlv(0x02, "example.com")}));
  const Bytes input = cat({header, bytes("echo me\n")});
  Parser parser;
  auto step = parser.feed(std::span(input).first(10));
  EXPECT_EQ(step.status, Parser::Status::need_more);
  EXPECT_EQ(step.consumed, 10u);
  step = parser.feed(std::span(input).subspan(10));
  EXPECT_EQ(step.status, Parser::Status::done);
  EXPECT_EQ(step.consumed, header.size() - 10);
  EXPECT_EQ(parser.header().authority, "example.com");
  EXPECT_EQ(parser.feed(input).consumed, 0u);
}

TEST(ProxyV2, RejectsABadSignatureOnItsFirstWrongByte) {
  Bytes input = signature();
  input[7] = 'X';
  Parser parser;
  const auto step = parser.feed(input);
  EXPECT_EQ(step.status, Parser::Status::invalid);
  EXPECT_EQ(step.consumed, 8u);
  EXPECT_EQ(parser.error(), "bad signature");
}

TEST(ProxyV2, RejectsEachKindOfBadFixedPart) {
  EXPECT_EQ(error_of(v2(0x11, 0x11, ipv4_block())), "bad v2 version");
  EXPECT_EQ(error_of(v2(0x31, 0x11, ipv4_block())), "bad v2 version");
  EXPECT_EQ(error_of(v2(0x22, 0x11, ipv4_block())), "bad v2 command");
  EXPECT_EQ(error_of(v2(0x2F, 0x11, ipv4_block())), "bad v2 command");
  EXPECT_EQ(error_of(v2(proxy_v2, 0x13, ipv4_block())), "unknown family 0x13");
  EXPECT_EQ(error_of(v2(proxy_v2, 0x41, ipv4_block())), "unknown family 0x41");
  EXPECT_EQ(error_of(v2(proxy_v2, 0x10, ipv4_block())), "unknown family 0x10");
  EXPECT_EQ(error_of(v2(proxy_v2, 0x01, {})), "unknown family 0x01");
  EXPECT_EQ(error_of(v2(proxy_v2, 0x11, Bytes(11, 0))),
            "address block shorter than the family needs");
  EXPECT_EQ(error_of(v2(proxy_v2, 0x21, Bytes(35, 0))),
            "address block shorter than the family needs");
  EXPECT_EQ(error_of(v2(proxy_v2, 0x31, Bytes(215, 0))),
            "address block shorter than the family needs");
}

TEST(ProxyV2, TheFixedPartIsJudgedBeforeTheBodyArrives) {
  // 16 bytes announcing an IPv4 block of 4 bytes: no need to wait for them.
  Bytes fixed = v2(proxy_v2, 0x11, Bytes(4, 0));
  fixed.resize(16);
  Parser parser;
  const auto step = parser.feed(fixed);
  EXPECT_EQ(step.status, Parser::Status::invalid);
  EXPECT_EQ(step.consumed, 16u);
}

TEST(ProxyV2, HeaderSizeLimit) {
  const Bytes header = v2(proxy_v2, 0x11, cat({ipv4_block(), tlv(0xF0, Bytes(100, 1))}));
  ASSERT_EQ(header.size(), 131u);
  EXPECT_EQ(parse(header, 131).status, Parser::Status::done);
  EXPECT_EQ(error_of(header, 130), "header longer than 130 bytes");

  // The spec's maximum: a 65535-byte length is accepted by default.
  const Bytes largest = v2(proxy_v2, 0x00, tlv(0xF0, Bytes(65532, 7)));
  ASSERT_EQ(largest.size(), v2_max_header_bytes);
  const auto outcome = parse(largest);
  ASSERT_EQ(outcome.status, Parser::Status::done) << outcome.error;
  EXPECT_EQ(outcome.consumed, v2_max_header_bytes);
}

TEST(ProxyV2, ParserIsSmallWhenIdle) {
  // It lives in every connection of a proxy listener until the header is in.
  EXPECT_LE(sizeof(Parser), 96u);
}

}  // namespace
}  // namespace echo::proxy::test
