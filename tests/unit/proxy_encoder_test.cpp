// The PROXY protocol encoder: v1 and v2 output that the parser reads back to
// the same header, the CRC32C it adds, the --proxy-tlv argument, and CRC32C
// itself against its standard check value.
#include <gtest/gtest.h>

#include <string>

#include "net/address.hpp"
#include "proxy/crc32c.hpp"
#include "proxy/encoder.hpp"
#include "proxy/tlv_argument.hpp"
#include "proxy_test_bytes.hpp"

namespace echo::proxy::test {
namespace {

Header inet(Family family, const char* source, const char* destination) {
  Header header;
  header.family = family;
  header.source = net::parse_address(source).value();
  header.destination = net::parse_address(destination).value();
  return header;
}

std::string text_of(const Bytes& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

TEST(ProxyCrc32c, KnownVectors) {
  EXPECT_EQ(compute_crc32c(bytes("123456789")), 0xE3069283u);
  EXPECT_EQ(compute_crc32c({}), 0u);
  const Bytes with_field = bytes("abcdWXYZefgh");
  EXPECT_EQ(compute_header_crc32c(with_field, 4),
            compute_crc32c(bytes(std::string("abcd\0\0\0\0efgh", 12))));
}

TEST(ProxyEncoder, V1Lines) {
  EXPECT_EQ(text_of(encode_v1(inet(Family::tcp4, "192.168.0.1:56324", "192.168.0.11:443"))),
            "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n");
  EXPECT_EQ(text_of(encode_v1(inet(Family::tcp6, "[2001:db8::1]:1", "[::1]:2"))),
            "PROXY TCP6 2001:db8::1 ::1 1 2\r\n");
  EXPECT_EQ(text_of(encode_v1(Header{})), "PROXY UNKNOWN\r\n");
  // A family v1 cannot carry, or addresses of the wrong family: UNKNOWN.
  EXPECT_EQ(text_of(encode_v1(inet(Family::udp4, "1.2.3.4:1", "1.2.3.4:2"))), "PROXY UNKNOWN\r\n");
  EXPECT_EQ(text_of(encode_v1(inet(Family::tcp6, "1.2.3.4:1", "1.2.3.4:2"))), "PROXY UNKNOWN\r\n");
  Header local = inet(Family::tcp4, "1.2.3.4:1", "1.2.3.4:2");
  local.command = Command::local;
  EXPECT_EQ(text_of(encode_v1(local)), "PROXY UNKNOWN\r\n");
}

TEST(ProxyEncoder, V1RoundTrips) {
  for (const Header& header :
       {inet(Family::tcp4, "0.0.0.0:0", "255.255.255.255:65535"),
        inet(Family::tcp6, "[::ffff:10.0.0.1]:80", "[fe80::1]:443"), Header{}}) {
    const Outcome outcome = parse(encode_v1(header));
    ASSERT_EQ(outcome.status, Parser::Status::done) << outcome.error;
    EXPECT_TRUE(outcome.header == header);
  }
}

TEST(ProxyEncoder, V2MatchesTheSpecsLayout) {
  const Bytes encoded = encode_v2(inet(Family::tcp4, "192.168.0.1:56324", "192.168.0.11:443"));
  EXPECT_EQ(encoded, v2(0x21, 0x11, ipv4_block()));
}

TEST(ProxyEncoder, V2RoundTripsEveryFamilyAndTlv) {
  Header unix_header;
  unix_header.family = Family::unix_stream;
  unix_header.source_path = "/run/a.sock";
  unix_header.destination_path = std::string(108, 'b');
  Header with_tlvs = inet(Family::tcp6, "[2001:db8::1]:1", "[::1]:2");
  with_tlvs.tlvs = {make_tlv(tlv_type::alpn, "h2"), make_tlv(tlv_type::authority, "a.example"),
                    Tlv{0xF0, {1, 2, 3}}};
  with_tlvs.alpn = "h2";
  with_tlvs.authority = "a.example";

  for (const Header& header :
       {inet(Family::tcp4, "1.2.3.4:1", "5.6.7.8:2"), inet(Family::udp6, "[::1]:53", "[::2]:53"),
        unix_header, with_tlvs, Header{}}) {
    Header expected = header;
    expected.version = Version::v2;
    const Outcome outcome = parse(encode_v2(header));
    ASSERT_EQ(outcome.status, Parser::Status::done) << outcome.error;
    EXPECT_TRUE(outcome.header == expected);
  }
}

TEST(ProxyEncoder, LocalIsSentAsUnspecWithoutAddresses) {
  Header local = inet(Family::tcp4, "1.2.3.4:1", "5.6.7.8:2");
  local.command = Command::local;
  EXPECT_EQ(encode_v2(local), v2(0x20, 0x00, {}));
}

TEST(ProxyEncoder, ExtraTlvsAndAFreshCrc32c) {
  Header header = inet(Family::tcp4, "1.2.3.4:1", "5.6.7.8:2");
  header.tlvs = {Tlv{tlv_type::crc32c, {0xDE, 0xAD, 0xBE, 0xEF}}};  // stale: dropped
  EncodeOptions options;
  options.extra_tlvs = {make_tlv(tlv_type::unique_id, "id-1"), Tlv{0xE0, Bytes(8, 1)}};
  options.add_crc32c = true;
  const Outcome outcome = parse(encode_v2(header, options));
  ASSERT_EQ(outcome.status, Parser::Status::done) << outcome.error;
  EXPECT_TRUE(outcome.header.crc32c_verified);
  EXPECT_EQ(outcome.header.unique_id, "id-1");
  EXPECT_EQ(outcome.header.gcp_psc_connection_id, 0x0101010101010101u);
  ASSERT_EQ(outcome.header.tlvs.size(), 3u);
  EXPECT_EQ(outcome.header.tlvs.back().type, tlv_type::crc32c);
}

TEST(ProxyEncoder, TooLargeIsEmpty) {
  EncodeOptions options;
  options.extra_tlvs = {Tlv{0xF0, Bytes(65533, 0)}};  // 12 + 3 + 65533 > 65535
  EXPECT_TRUE(encode_v2(inet(Family::tcp4, "1.2.3.4:1", "5.6.7.8:2"), options).empty());
  options.extra_tlvs = {Tlv{0xF0, Bytes(65532, 0)}};
  EXPECT_EQ(encode_v2(Header{}, options).size(), v2_max_header_bytes);
}

TEST(ProxyTlvArgument, Parses) {
  auto tlv = parse_tlv_argument("0xE0=0000000000000001");
  ASSERT_TRUE(tlv);
  EXPECT_EQ(tlv->type, 0xE0);
  EXPECT_EQ(tlv->value, (Bytes{0, 0, 0, 0, 0, 0, 0, 1}));
  tlv = parse_tlv_argument("2=6578616D706c65");
  ASSERT_TRUE(tlv);
  EXPECT_EQ(tlv->type, 2);
  EXPECT_EQ(text_of(tlv->value), "example");
  tlv = parse_tlv_argument("255=");
  ASSERT_TRUE(tlv);
  EXPECT_EQ(tlv->type, 255);
  EXPECT_TRUE(tlv->value.empty());
  EXPECT_TRUE(parse_tlv_argument("0XfF=00"));
}

TEST(ProxyTlvArgument, RejectsWithAReason) {
  for (const char* bad : {"", "5", "=00", "256=00", "-1=00", "+1=00", "0x=00", "0x100=", "1 =00",
                          "x=00", "1=0", "1=0g", "1=+f", "1= 0", "1=00 "}) {
    std::string error;
    EXPECT_FALSE(parse_tlv_argument(bad, &error)) << bad;
    EXPECT_NE(error.find("invalid TLV"), std::string::npos) << bad;
  }
}

}  // namespace
}  // namespace echo::proxy::test
