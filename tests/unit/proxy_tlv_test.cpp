// PROXY protocol v2 TLVs: each registered type, the SSL sub-TLVs, the AWS,
// Azure and GCP vendor types, unknown types kept, CRC32C right and wrong, the
// reasons for rejecting TLVs, and the log summary's escaping and truncation.
#include <gtest/gtest.h>

#include <string>

#include "proxy/parser.hpp"
#include "proxy_test_bytes.hpp"

namespace echo::proxy::test {
namespace {

Bytes tcp4_with(const Bytes& tlvs) {
  return v2(0x21, 0x11, cat({ipv4_block(), tlvs}));
}

Header parsed(const Bytes& input) {
  const auto outcome = parse(input);
  EXPECT_EQ(outcome.status, Parser::Status::done) << outcome.error;
  EXPECT_EQ(outcome.consumed, input.size());
  return outcome.header;
}

Bytes ssl_value(std::uint8_t client, std::uint32_t verify, const Bytes& subs) {
  return cat(
      {{client, static_cast<std::uint8_t>(verify >> 24), static_cast<std::uint8_t>(verify >> 16),
        static_cast<std::uint8_t>(verify >> 8), static_cast<std::uint8_t>(verify)},
       subs});
}

TEST(ProxyTlv, RegisteredTypes) {
  const Header header =
      parsed(tcp4_with(cat({tlv(0x01, "h2"), tlv(0x02, "example.com"), tlv(0x05, Bytes(128, 0xAA)),
                            tlv(0x30, "blue"), tlv(0x04, Bytes(3, 0))})));
  EXPECT_EQ(header.alpn, "h2");
  EXPECT_EQ(header.authority, "example.com");
  EXPECT_EQ(header.unique_id, std::string(128, '\xAA'));
  EXPECT_EQ(header.netns, "blue");
  ASSERT_EQ(header.tlvs.size(), 5u);  // NOOP included, as received
  EXPECT_EQ(header.tlvs[0], (Tlv{0x01, bytes("h2")}));
  EXPECT_EQ(header.tlvs[4], (Tlv{0x04, Bytes(3, 0)}));
  EXPECT_FALSE(header.crc32c_present);
}

TEST(ProxyTlv, EmptyValuesAreValues) {
  const Header header = parsed(tcp4_with(cat({tlv(0x01, ""), tlv(0x04, "")})));
  EXPECT_EQ(header.alpn, "");
  EXPECT_EQ(header.tlvs.size(), 2u);
}

TEST(ProxyTlv, SslWithEverySubType) {
  const Bytes subs =
      cat({tlv(0x21, "TLSv1.3"), tlv(0x22, "client.example"), tlv(0x23, "TLS_AES_128_GCM_SHA256"),
           tlv(0x24, "RSA-SHA256"), tlv(0x25, "RSA2048"), tlv(0x2F, "unknown sub-type")});
  const Header header = parsed(
      tcp4_with(tlv(0x20, ssl_value(ssl_client_ssl | ssl_client_cert_conn, 0x01020304, subs))));
  ASSERT_TRUE(header.ssl);
  EXPECT_EQ(header.ssl->client, ssl_client_ssl | ssl_client_cert_conn);
  EXPECT_EQ(header.ssl->verify, 0x01020304u);
  EXPECT_EQ(header.ssl->version, "TLSv1.3");
  EXPECT_EQ(header.ssl->cn, "client.example");
  EXPECT_EQ(header.ssl->cipher, "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(header.ssl->sig_alg, "RSA-SHA256");
  EXPECT_EQ(header.ssl->key_alg, "RSA2048");
  EXPECT_EQ(header.describe_tlvs(),
            "ssl=TLSv1.3/cn=client.example/cipher=TLS_AES_128_GCM_SHA256/sig_alg=RSA-SHA256/"
            "key_alg=RSA2048/verify=16909060");

  const Header bare = parsed(tcp4_with(tlv(0x20, ssl_value(0, 0, {}))));
  ASSERT_TRUE(bare.ssl);
  EXPECT_FALSE(bare.ssl->version);
  EXPECT_EQ(bare.describe_tlvs(), "ssl=no");
}

TEST(ProxyTlv, VendorTypes) {
  const Header header = parsed(tcp4_with(cat({
      tlv(0xEA, "\x01vpce-08d2bf15fac5001c9"),
      tlv(0xEE, Bytes{0x01, 0x78, 0x56, 0x34, 0x12}),
      tlv(0xE0, Bytes{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08}),
  })));
  EXPECT_EQ(header.aws_vpce_id, "vpce-08d2bf15fac5001c9");
  EXPECT_EQ(header.azure_link_id, 0x12345678u);                  // little-endian
  EXPECT_EQ(header.gcp_psc_connection_id, 0x0102030405060708u);  // big-endian
  EXPECT_EQ(header.describe_tlvs(),
            "aws_vpce=vpce-08d2bf15fac5001c9,azure_linkid=305419896,gcp_psc=72623859790382856");
}

TEST(ProxyTlv, VendorTypesOfAnotherLayoutAreKeptNotDecoded) {
  // 0xE0-0xEF is the spec's application range: others may use these numbers.
  const Header header = parsed(tcp4_with(cat({
      tlv(0xEA, "\x02other subtype"),
      tlv(0xEE, Bytes{0x01, 0x78, 0x56}),
      tlv(0xE0, Bytes{0x01, 0x02}),
  })));
  EXPECT_FALSE(header.aws_vpce_id);
  EXPECT_FALSE(header.azure_link_id);
  EXPECT_FALSE(header.gcp_psc_connection_id);
  EXPECT_EQ(header.tlvs.size(), 3u);
}

TEST(ProxyTlv, UnknownTypesAreKeptAndSkipped) {
  const Header header =
      parsed(tcp4_with(cat({tlv(0xF0, "x"), tlv(0x02, "after.example"), tlv(0x99, "")})));
  ASSERT_EQ(header.tlvs.size(), 3u);
  EXPECT_EQ(header.tlvs[0], (Tlv{0xF0, bytes("x")}));
  EXPECT_EQ(header.authority, "after.example");
  EXPECT_EQ(header.describe_tlvs(), "authority=after.example,other=2");
}

TEST(ProxyTlv, Crc32cRightAndWrong) {
  const Bytes good = with_crc32c(tcp4_with(tlv(0x01, "h2")));
  const Header header = parsed(good);
  EXPECT_TRUE(header.crc32c_present);
  EXPECT_TRUE(header.crc32c_verified);
  EXPECT_EQ(header.describe_tlvs(), "alpn=h2,crc32c=ok");

  // Any flipped bit, in the addresses, a TLV or the checksum itself, fails.
  for (const std::size_t at : {std::size_t{5}, std::size_t{17}, std::size_t{32}, good.size() - 1}) {
    Bytes bad = good;
    bad[at] ^= 0x01;
    EXPECT_EQ(error_of(bad), at == 5 ? "bad signature" : "bad CRC32C") << at;
  }

  // LOCAL headers are checked too.
  EXPECT_TRUE(parsed(with_crc32c(v2(0x20, 0x00, {}))).crc32c_verified);
}

TEST(ProxyTlv, RejectsBadTlvs) {
  EXPECT_EQ(error_of(tcp4_with(Bytes{0x01})), "bad TLV length");
  EXPECT_EQ(error_of(tcp4_with(Bytes{0x01, 0x00})), "bad TLV length");
  EXPECT_EQ(error_of(tcp4_with(Bytes{0x01, 0x00, 0x03, 'h', '2'})), "bad TLV length");
  EXPECT_EQ(error_of(tcp4_with(cat({tlv(0x01, "h2"), Bytes{0xF0, 0x00}}))), "bad TLV length");
  EXPECT_EQ(error_of(tcp4_with(cat({tlv(0x01, "h2"), tlv(0x01, "h2")}))), "duplicate TLV");
  EXPECT_EQ(error_of(tcp4_with(cat({tlv(0x03, Bytes(4, 0)), tlv(0x03, Bytes(4, 0))}))),
            "duplicate TLV");
  EXPECT_EQ(error_of(tcp4_with(tlv(0x03, Bytes(3, 0)))), "bad CRC32C length");
  EXPECT_EQ(error_of(tcp4_with(tlv(0x05, Bytes(129, 0)))), "unique ID longer than 128 bytes");
  EXPECT_EQ(error_of(tcp4_with(tlv(0x20, Bytes(4, 0)))), "SSL TLV shorter than 5 bytes");
  EXPECT_EQ(error_of(tcp4_with(tlv(0x20, cat({ssl_value(1, 0, {}), Bytes{0x21, 0x00, 0x09}})))),
            "bad SSL sub-TLV length");
  EXPECT_EQ(error_of(tcp4_with(tlv(0x20, ssl_value(1, 0, cat({tlv(0x22, "a"), tlv(0x22, "b")}))))),
            "duplicate SSL sub-TLV");
}

TEST(ProxyTlv, ALyingLengthFailsBeforeTheRestArrives) {
  // The header claims 1000 bytes; its first TLV claims more than that.
  Bytes start = v2(0x21, 0x11, Bytes(1000, 0));
  start.resize(16 + 12);
  const Bytes head = {0xF0, 0x10, 0x00};  // 4096 bytes
  start.insert(start.end(), head.begin(), head.end());
  Parser parser;
  const auto step = parser.feed(start);
  EXPECT_EQ(step.status, Parser::Status::invalid);
  EXPECT_EQ(step.consumed, start.size());
  EXPECT_EQ(parser.error(), "bad TLV length");
}

TEST(ProxyTlvDescribe, EmptyWithoutTlvs) {
  EXPECT_EQ(parsed(tcp4_with({})).describe_tlvs(), "");
}

TEST(ProxyTlvDescribe, EscapesWhatCouldSplitOrForgeALogLine) {
  const Header header =
      parsed(tcp4_with(cat({tlv(0x01, "http/1.1"), tlv(0x02, "a b,c=d\"e'f\\g\n\x7f\x80"),
                            tlv(0x05, Bytes{0x00, 0x01, 'i', 'd'})})));
  EXPECT_EQ(header.describe_tlvs(),
            "alpn=http/1.1,"
            "authority=a\\x20b\\x2cc\\x3dd\\x22e\\x27f\\x5cg\\x0a\\x7f\\x80,"
            "unique_id=\\x00\\x01id");

  // In the ssl field '/' separates the parts, so a value cannot fake one.
  const Bytes subs = cat({tlv(0x21, "TLSv1.3/cn=admin"), tlv(0x22, "x")});
  const Header ssl = parsed(tcp4_with(tlv(0x20, ssl_value(1, 0, subs))));
  EXPECT_EQ(ssl.describe_tlvs(), "ssl=TLSv1.3\\x2fcn\\x3dadmin/cn=x");
}

TEST(ProxyTlvDescribe, TruncatesEachValue) {
  const Header header =
      parsed(tcp4_with(cat({tlv(0x02, std::string(300, 'a')), tlv(0x05, Bytes(128, 0xFF))})));
  const std::string text = header.describe_tlvs();
  EXPECT_EQ(
      text, "authority=" + std::string(64, 'a') + "...,unique_id=" + [] {
        std::string escaped;
        for (int i = 0; i < 16; ++i) escaped += "\\xff";
        return escaped;
      }() + "...");
  // The most a summary can be, whatever was sent: bounded.
  EXPECT_LT(text.size(), 200u);
}

}  // namespace
}  // namespace echo::proxy::test
