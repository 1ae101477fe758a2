#include "net/address.hpp"

#include <gtest/gtest.h>

namespace echo::net {
namespace {

TEST(ParseAddress, Ipv4WithPort) {
  auto a = parse_address("127.0.0.1:7878");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->family(), AF_INET);
  EXPECT_EQ(a->port(), 7878);
  EXPECT_EQ(a->to_string(), "127.0.0.1:7878");
}

TEST(ParseAddress, Ipv6InBrackets) {
  auto a = parse_address("[::1]:9000");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->family(), AF_INET6);
  EXPECT_EQ(a->port(), 9000);
  EXPECT_EQ(a->to_string(), "[::1]:9000");
  auto any = parse_address("[::]:0");
  ASSERT_TRUE(any);
  EXPECT_EQ(any->to_string(), "[::]:0");
}

TEST(ParseAddress, PortZeroAndLocalhost) {
  auto a = parse_address("localhost:0");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->to_string(), "127.0.0.1:0");
}

TEST(ParseAddress, RejectsMalformedInputWithAReason) {
  for (const char* bad :
       {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:80x", "::1:80",
        "[::1]80", "[::1", "[zz]:80", "1.2.3:4", "example.com:80"}) {
    std::string error;
    EXPECT_FALSE(parse_address(bad, &error)) << bad;
    EXPECT_NE(error.find("invalid address"), std::string::npos) << bad;
  }
}

}  // namespace
}  // namespace echo::net
