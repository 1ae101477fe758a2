// The parser's outcome depends only on the bytes, not on how they arrive:
// for valid and invalid headers followed by echo data, feeding them split at
// every byte boundary, and one byte at a time, gives the same status, header,
// error and bytes consumed as feeding them whole.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "proxy/parser.hpp"
#include "proxy_test_bytes.hpp"

namespace echo::proxy::test {
namespace {

std::vector<std::pair<std::string, Bytes>> samples() {
  const Bytes data = bytes("hello\r\n");
  const Bytes ssl = cat({{0x07, 0, 0, 0, 0}, tlv(0x21, "TLSv1.2"), tlv(0x22, "cn")});
  const Bytes tlvs = cat({tlv(0x01, "h2"), tlv(0x02, "a.example"), tlv(0x20, ssl),
                          tlv(0xEA, "\x01vpce-1"), tlv(0xF0, Bytes(40, 3))});
  Bytes bad_crc = with_crc32c(v2(0x21, 0x11, cat({ipv4_block(), tlvs})));
  bad_crc[18] ^= 0xFF;
  return {
      {"v1 tcp4", cat({bytes("PROXY TCP4 1.2.3.4 5.6.7.8 1 65535\r\n"), data})},
      {"v1 tcp6", cat({bytes("PROXY TCP6 2001:db8::1 ::ffff:1.2.3.4 80 443\r\n"), data})},
      {"v1 unknown", cat({bytes("PROXY UNKNOWN ignored\r\n"), data})},
      {"v1 bad port", cat({bytes("PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n"), data})},
      {"v1 bare LF", cat({bytes("PROXY UNKNOWN\n"), data})},
      {"v1 too long", bytes("PROXY UNKNOWN " + std::string(120, 'z'))},
      {"v1 truncated", bytes("PROXY TCP4 1.2.3.4")},
      {"v2 tcp4 tlvs crc", cat({with_crc32c(v2(0x21, 0x11, cat({ipv4_block(), tlvs}))), data})},
      {"v2 tcp6", cat({v2(0x21, 0x21, ipv6_block()), data})},
      {"v2 unix", cat({v2(0x21, 0x31, Bytes(216, 'u')), data})},
      {"v2 local", cat({v2(0x20, 0x00, tlv(0x04, "pad")), data})},
      {"v2 unspec empty", cat({v2(0x21, 0x00, {}), data})},
      {"v2 bad crc", cat({bad_crc, data})},
      {"v2 bad tlv length",
       cat({v2(0x21, 0x11, cat({ipv4_block(), Bytes{0x01, 0x00, 0x09}})), data})},
      {"v2 short TLV head", cat({v2(0x21, 0x11, cat({ipv4_block(), Bytes{0x01, 0x00}})), data})},
      {"v2 duplicate", cat({v2(0x21, 0x11, cat({ipv4_block(), tlv(1, "a"), tlv(1, "b")})), data})},
      {"v2 bad family", cat({v2(0x21, 0x14, ipv4_block()), data})},
      {"v2 short block", cat({v2(0x21, 0x21, Bytes(20, 0)), data})},
      {"v2 truncated",
       [] {
         Bytes head = v2(0x21, 0x11, ipv4_block());
         head.resize(20);
         return head;
       }()},
      {"garbage", bytes("GET / HTTP/1.1\r\n")},
      {"empty", {}},
  };
}

void expect_same(const Outcome& got, const Outcome& want, const std::string& what) {
  EXPECT_EQ(got.status, want.status) << what;
  EXPECT_EQ(got.consumed, want.consumed) << what;
  EXPECT_EQ(got.error, want.error) << what;
  EXPECT_TRUE(got.header == want.header) << what;
}

TEST(ProxySplit, EverySplitGivesTheSameOutcomeAsWhole) {
  for (const auto& [name, input] : samples()) {
    const Outcome whole = parse(input);
    for (std::size_t split = 0; split <= input.size(); ++split) {
      expect_same(parse_pieces(input, {split, input.size()}), whole,
                  name + " split at " + std::to_string(split));
    }
    expect_same(parse_pieces(input, {1}), whole, name + " byte by byte");
  }
}

TEST(ProxySplit, TheSamplesCoverEachOutcome) {
  std::size_t done = 0, invalid = 0, need_more = 0;
  for (const auto& [name, input] : samples()) {
    const Outcome outcome = parse(input);
    done += outcome.status == Parser::Status::done;
    invalid += outcome.status == Parser::Status::invalid;
    need_more += outcome.status == Parser::Status::need_more;
    // Valid headers are followed by data that must be left alone.
    if (outcome.status == Parser::Status::done) {
      EXPECT_LT(outcome.consumed, input.size()) << name;
    }
  }
  EXPECT_GE(done, 8u);
  EXPECT_GE(invalid, 8u);
  EXPECT_GE(need_more, 2u);
}

}  // namespace
}  // namespace echo::proxy::test
