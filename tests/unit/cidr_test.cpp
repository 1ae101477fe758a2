// CIDR parsing and matching: IPv4, IPv6, IPv4-mapped IPv6, the edge prefixes,
// and the one-line reasons for bad input.
#include "core/cidr.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <string>

#include "net/address.hpp"

namespace echo {
namespace {

net::PeerAddress peer(const std::string& text) {
  const auto address = net::parse_address(text);
  EXPECT_TRUE(address) << text;
  return net::PeerAddress(address.value_or(net::Address{}));
}

IpAddress ip(const std::string& text) {
  return ip_of(peer(text)).value_or(IpAddress{});
}

Cidr cidr(const std::string& text) {
  std::string error;
  const auto parsed = parse_cidr(text, &error);
  EXPECT_TRUE(parsed) << text << ": " << error;
  return parsed.value_or(Cidr{});
}

std::string error_of(const std::string& text) {
  std::string error;
  EXPECT_FALSE(parse_cidr(text, &error)) << text;
  return error;
}

TEST(Cidr, ParsesIpv4AndIpv6Blocks) {
  EXPECT_EQ(cidr("10.0.0.0/8").to_string(), "10.0.0.0/8");
  EXPECT_EQ(cidr("2001:db8::/32").to_string(), "2001:db8::/32");
  EXPECT_EQ(cidr("::1/128").to_string(), "::1/128");
  EXPECT_EQ(cidr("0.0.0.0/0").to_string(), "0.0.0.0/0");
  EXPECT_EQ(cidr("::/0").to_string(), "::/0");
}

TEST(Cidr, ABareAddressIsOneHost) {
  EXPECT_EQ(cidr("127.0.0.2").to_string(), "127.0.0.2/32");
  EXPECT_EQ(cidr("::1").to_string(), "::1/128");
}

TEST(Cidr, AMappedBlockIsIpv4) {
  EXPECT_EQ(cidr("::ffff:10.0.0.0/104").to_string(), "10.0.0.0/8");
  EXPECT_EQ(cidr("::ffff:127.0.0.1").to_string(), "127.0.0.1/32");
}

TEST(Cidr, RejectsBadInputWithOneLineReasons) {
  EXPECT_EQ(error_of("10.0.0.1/8"),
            "invalid CIDR '10.0.0.1/8': host bits are set outside the /8 prefix (the network is "
            "10.0.0.0/8)");
  EXPECT_EQ(error_of("10.0.0.0/33"),
            "invalid CIDR '10.0.0.0/33': the prefix length must be a number from 0 to 32");
  EXPECT_EQ(error_of("::/129"),
            "invalid CIDR '::/129': the prefix length must be a number from 0 to 128");
  EXPECT_NE(error_of("example.com").find("not a numeric IPv4 or IPv6 address"), std::string::npos);
  EXPECT_NE(error_of("2001:db8::g/32").find("not a numeric IPv6 address"), std::string::npos);
  for (const char* bad : {"", "/8", "10.0.0.0/", "10.0.0.0/+8", "10.0.0.0/8x", "10.0.0/8",
                          "fe80::1%2", "10.0.0.0/-1", " 10.0.0.0/8"}) {
    const std::string error = error_of(bad);
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
}

TEST(Cidr, MatchesByPrefix) {
  EXPECT_TRUE(cidr("10.0.0.0/8").contains(ip("10.255.1.2:1")));
  EXPECT_FALSE(cidr("10.0.0.0/8").contains(ip("11.0.0.1:1")));
  EXPECT_TRUE(cidr("127.0.0.2/32").contains(ip("127.0.0.2:1")));
  EXPECT_FALSE(cidr("127.0.0.2/32").contains(ip("127.0.0.1:1")));
  EXPECT_TRUE(cidr("192.168.1.128/25").contains(ip("192.168.1.200:1")));
  EXPECT_FALSE(cidr("192.168.1.128/25").contains(ip("192.168.1.127:1")));
  EXPECT_TRUE(cidr("2001:db8::/32").contains(ip("[2001:db8:1::5]:1")));
  EXPECT_FALSE(cidr("2001:db8::/32").contains(ip("[2001:db9::5]:1")));
  EXPECT_TRUE(cidr("::1/128").contains(ip("[::1]:1")));
  EXPECT_FALSE(cidr("::1/128").contains(ip("[::2]:1")));
}

TEST(Cidr, ZeroPrefixMatchesItsWholeFamilyOnly) {
  EXPECT_TRUE(cidr("0.0.0.0/0").contains(ip("1.2.3.4:1")));
  EXPECT_FALSE(cidr("0.0.0.0/0").contains(ip("[::1]:1")));
  EXPECT_TRUE(cidr("::/0").contains(ip("[2001:db8::1]:1")));
  EXPECT_FALSE(cidr("::/0").contains(ip("1.2.3.4:1")));
}

TEST(Cidr, AMappedPeerIsIpv4ForEveryRule) {
  const IpAddress mapped = ip("[::ffff:127.0.0.2]:1");
  EXPECT_EQ(mapped.family, IpFamily::v4);
  EXPECT_EQ(mapped, ip("127.0.0.2:1"));
  EXPECT_TRUE(cidr("127.0.0.0/8").contains(mapped));
  EXPECT_TRUE(cidr("::ffff:127.0.0.2").contains(mapped));
  EXPECT_FALSE(cidr("::/0").contains(mapped));
}

TEST(Cidr, APeerThatIsNotIpHasNoAddress) {
  net::Address unix_address;
  unix_address.storage.ss_family = AF_UNIX;
  EXPECT_FALSE(ip_of(net::PeerAddress(unix_address)));
  EXPECT_FALSE(ip_of(net::PeerAddress{}));
}

TEST(PeerAddress, KeepsAndPrintsTheScopeId) {
  net::Address address;
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
  in6->sin6_family = AF_INET6;
  ASSERT_EQ(::inet_pton(AF_INET6, "fe80::1", &in6->sin6_addr), 1);
  in6->sin6_scope_id = 2;
  in6->sin6_port = htons(5555);
  const net::PeerAddress p(address);
  EXPECT_EQ(p.to_string(), "[fe80::1%2]:5555");
  EXPECT_EQ(p.scope_id(), 2u);
  EXPECT_EQ(p.port(), 5555);
  EXPECT_EQ(p.family(), AF_INET6);
  EXPECT_EQ(peer("127.0.0.1:5555").to_string(), "127.0.0.1:5555");
  EXPECT_EQ(peer("[::1]:5555").to_string(), "[::1]:5555");
}

}  // namespace
}  // namespace echo
