// PROXY protocol v1: the spec's examples, the longest lines, the data after the
// CRLF left alone, and one case per reason for rejecting a line.
#include <gtest/gtest.h>

#include <string>

#include "proxy/parser.hpp"
#include "proxy_test_bytes.hpp"

namespace echo::proxy::test {
namespace {

TEST(ProxyV1, Tcp4) {
  const auto outcome = parse(bytes("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"));
  ASSERT_EQ(outcome.status, Parser::Status::done) << outcome.error;
  const Header& header = outcome.header;
  EXPECT_EQ(header.version, Version::v1);
  EXPECT_EQ(header.command, Command::proxy);
  EXPECT_EQ(header.family, Family::tcp4);
  EXPECT_EQ(header.source.to_string(), "192.168.0.1:56324");
  EXPECT_EQ(header.destination.to_string(), "192.168.0.11:443");
  EXPECT_TRUE(header.has_real_peer());
  EXPECT_TRUE(header.tlvs.empty());
  EXPECT_EQ(header.describe_tlvs(), "");
}

TEST(ProxyV1, Tcp6AndTheLongestTcp6Line) {
  auto outcome = parse(bytes("PROXY TCP6 2001:db8::1 ::1 0 65535\r\n"));
  ASSERT_EQ(outcome.status, Parser::Status::done) << outcome.error;
  EXPECT_EQ(outcome.header.family, Family::tcp6);
  EXPECT_EQ(outcome.header.source.to_string(), "[2001:db8::1]:0");
  EXPECT_EQ(outcome.header.destination.to_string(), "[::1]:65535");

  const std::string full = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  const std::string line = "PROXY TCP6 " + full + " " + full + " 65535 65535\r\n";
  ASSERT_EQ(line.size(), 104u);  // the spec's figure
  outcome = parse(bytes(line));
  ASSERT_EQ(outcome.status, Parser::Status::done) << outcome.error;
  EXPECT_EQ(outcome.consumed, 104u);

  // What inet_ntop writes for a mapped address is read back.
  outcome = parse(bytes("PROXY TCP6 ::ffff:10.0.0.1 ::1 1 2\r\n"));
  ASSERT_EQ(outcome.status, Parser::Status::done) << outcome.error;
  EXPECT_EQ(outcome.header.source.to_string(), "[::ffff:10.0.0.1]:1");
}

TEST(ProxyV1, UnknownShortAndWithAnythingBeforeTheCrlf) {
  auto outcome = parse(bytes("PROXY UNKNOWN\r\n"));
  ASSERT_EQ(outcome.status, Parser::Status::done) << outcome.error;
  EXPECT_EQ(outcome.header.family, Family::unspec);
  EXPECT_FALSE(outcome.header.has_real_peer());
  EXPECT_EQ(outcome.consumed, 15u);

  const std::string full = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  const std::string longest = "PROXY UNKNOWN " + full + " " + full + " 65535 65535\r\n";
  ASSERT_EQ(longest.size(), v1_max_line_bytes);
  outcome = parse(bytes(longest));
  ASSERT_EQ(outcome.status, Parser::Status::done) << outcome.error;
  EXPECT_EQ(outcome.consumed, v1_max_line_bytes);

  outcome = parse(bytes("PROXY UNKNOWN whatever \x01\xff goes\r\n"));
  ASSERT_EQ(outcome.status, Parser::Status::done) << outcome.error;
  EXPECT_EQ(outcome.header.family, Family::unspec);
}

TEST(ProxyV1, StopsExactlyAtTheCrlf) {
  const std::string line = "PROXY TCP4 10.0.0.1 10.0.0.2 1 2\r\n";
  const Bytes input = bytes(line + "GET / HTTP/1.1\r\n");
  Parser parser;
  const auto step = parser.feed(input);
  EXPECT_EQ(step.status, Parser::Status::done);
  EXPECT_EQ(step.consumed, line.size());
  // Once done, nothing more is taken.
  EXPECT_EQ(parser.feed(input).consumed, 0u);
  EXPECT_EQ(parser.feed(input).status, Parser::Status::done);
}

TEST(ProxyV1, NeedsMoreUntilTheCrlf) {
  Parser parser;
  auto step = parser.feed(bytes("PROXY TCP4 10.0.0.1 10.0.0.2 1 2\r"));
  EXPECT_EQ(step.status, Parser::Status::need_more);
  EXPECT_EQ(step.consumed, 33u);
  EXPECT_TRUE(parser.error().empty());
  step = parser.feed(bytes("\nrest"));
  EXPECT_EQ(step.status, Parser::Status::done);
  EXPECT_EQ(step.consumed, 1u);
}

TEST(ProxyV1, RejectsGarbageOnItsFirstWrongByte) {
  Parser parser;
  auto step = parser.feed(bytes("G"));
  EXPECT_EQ(step.status, Parser::Status::invalid);
  EXPECT_EQ(step.consumed, 1u);
  EXPECT_EQ(parser.error(), "not a PROXY header");

  Parser prefix;
  step = prefix.feed(bytes("PROXI TCP4"));
  EXPECT_EQ(step.status, Parser::Status::invalid);
  EXPECT_EQ(step.consumed, 5u);  // 'I' is the fifth byte
  EXPECT_EQ(prefix.error(), "bad signature");

  Parser protocol;
  step = protocol.feed(bytes("PROXY TCP5 1.2.3.4"));
  EXPECT_EQ(step.consumed, 10u);
  EXPECT_EQ(protocol.error(), "bad v1 protocol");

  Parser characters;
  step = characters.feed(bytes("PROXY TCP4 1.2.3.x"));
  EXPECT_EQ(step.consumed, 18u);
  EXPECT_EQ(characters.error(), "bad character in v1 line");
}

TEST(ProxyV1, RejectsEachKindOfBadLine) {
  const std::string full = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  const struct {
    std::string line;
    std::string error;
  } cases[] = {
      {"GET / HTTP/1.1\r\n", "not a PROXY header"},
      {"PROXY\r\n", "bad signature"},
      {"proxy TCP4\r\n", "not a PROXY header"},
      {"PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n", "bad v1 protocol"},
      {"PROXY TCP4\r\n", "bad v1 protocol"},
      {"PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n", "bad v1 protocol"},
      {"PROXY UNKNOWNX\r\n", "bad v1 protocol"},
      {"PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n", "bad v1 protocol"},
      {"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", "v1 line with a LF not preceded by CR"},
      {"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX\r\n", "v1 line with a CR not followed by LF"},
      {"PROXY UNKNOWN\n", "v1 line with a LF not preceded by CR"},
      {"PROXY UNKNOWN " + std::string(100, 'x') + "\r\n", "v1 line without CRLF within 107 bytes"},
      {"PROXY UNKNOWN " + full + " " + full + " 65535 655355\r\n",
       "v1 line without CRLF within 107 bytes"},
      {"PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n", "bad v1 line"},
      {"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", "bad v1 line"},
      {"PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", "bad v1 line"},
      {"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", "bad v1 line"},
      {"PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n", "bad v1 address"},
      {"PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n", "bad v1 address"},
      {"PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n", "bad v1 address"},
      {"PROXY TCP4 1.2.3.4.5 5.6.7.8 1 2\r\n", "bad v1 address"},
      {"PROXY TCP4 1..3.4 5.6.7.8 1 2\r\n", "bad v1 address"},
      {"PROXY TCP6 1.2.3.4 ::1 1 2\r\n", "bad v1 address"},
      {"PROXY TCP6 ::1::2 ::1 1 2\r\n", "bad v1 address"},
      {"PROXY TCP6 12345::1 ::1 1 2\r\n", "bad v1 address"},
      {"PROXY TCP4 ::1 5.6.7.8 1 2\r\n", "bad character in v1 line"},
      {"PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n", "bad character in v1 line"},
      {"PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n", "bad character in v1 line"},
      {"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n", "bad v1 port"},
      {"PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n", "bad v1 port"},
      {"PROXY TCP4 1.2.3.4 5.6.7.8 1 99999999999\r\n", "bad v1 port"},
      {"PROXY TCP6 ::1 ::2 1 ab\r\n", "bad v1 port"},
      {"PROXY TCP6 ::1 ::2 1 0x10\r\n", "bad character in v1 line"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(error_of(bytes(c.line)), c.error) << c.line;
  }
}

TEST(ProxyV1, ZeroIsAValidPortAndOctet) {
  const auto outcome = parse(bytes("PROXY TCP4 0.0.0.0 255.255.255.255 0 0\r\n"));
  ASSERT_EQ(outcome.status, Parser::Status::done) << outcome.error;
  EXPECT_EQ(outcome.header.destination.to_string(), "255.255.255.255:0");
}

}  // namespace
}  // namespace echo::proxy::test
