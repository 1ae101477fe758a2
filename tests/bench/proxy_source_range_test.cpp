// --proxy-source ranges: the syntax (IPv4, IPv6 in brackets, single pairs), the
// enumeration (ports fastest, then addresses, carrying across octets and the
// 64-bit halves of an IPv6 address), wrapping around at the end, and one clear
// line for each way a range can be wrong.
#include "bench/proxy_source_range.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace echo::bench {
namespace {

ProxySourceRange parse(const std::string& text) {
  std::string error;
  const auto range = parse_proxy_source_range(text, &error);
  EXPECT_TRUE(range) << text << ": " << error;
  return range.value_or(ProxySourceRange{});
}

std::string claimed(const ProxySourceRange& range, std::uint64_t n) {
  return range.address_of(n).to_string();
}

TEST(ProxySourceRange, Ipv4AddressesAndPortsCountPortsFastest) {
  const auto range = parse("10.0.0.1-10.0.255.255:1024-65535");
  EXPECT_EQ(range.family(), AF_INET);
  EXPECT_EQ(range.pair_count(), std::uint64_t{65535} * 64512);
  EXPECT_EQ(claimed(range, 0), "10.0.0.1:1024");
  EXPECT_EQ(claimed(range, 1), "10.0.0.1:1025");
  EXPECT_EQ(claimed(range, 64511), "10.0.0.1:65535");
  EXPECT_EQ(claimed(range, 64512), "10.0.0.2:1024");
  EXPECT_EQ(claimed(range, 254 * std::uint64_t{64512}), "10.0.0.255:1024");
  EXPECT_EQ(claimed(range, 255 * std::uint64_t{64512}), "10.0.1.0:1024");  // across an octet
  EXPECT_EQ(claimed(range, *range.pair_count() - 1), "10.0.255.255:65535");
  EXPECT_EQ(range.to_string(), "10.0.0.1-10.0.255.255:1024-65535");
}

TEST(ProxySourceRange, ASingleAddressAndPortIsARangeOfOne) {
  const auto range = parse("192.0.2.7:5000");
  EXPECT_EQ(range.pair_count(), 1u);
  EXPECT_EQ(claimed(range, 0), "192.0.2.7:5000");
  EXPECT_EQ(claimed(range, 12345), "192.0.2.7:5000");
  EXPECT_EQ(range.to_string(), "192.0.2.7:5000");

  const auto ports_only = parse("192.0.2.7:5000-5002");
  EXPECT_EQ(ports_only.pair_count(), 3u);
  EXPECT_EQ(claimed(ports_only, 2), "192.0.2.7:5002");
  const auto addresses_only = parse("192.0.2.7-192.0.2.8:80");
  EXPECT_EQ(addresses_only.pair_count(), 2u);
  EXPECT_EQ(claimed(addresses_only, 1), "192.0.2.8:80");
  EXPECT_EQ(addresses_only.to_string(), "192.0.2.7-192.0.2.8:80");
}

TEST(ProxySourceRange, WrapsAroundAfterTheLastPair) {
  const auto range = parse("10.0.0.1-10.0.0.2:7-9");
  ASSERT_EQ(range.pair_count(), 6u);
  const std::vector<std::string> expected = {"10.0.0.1:7", "10.0.0.1:8", "10.0.0.1:9",
                                             "10.0.0.2:7", "10.0.0.2:8", "10.0.0.2:9"};
  for (std::uint64_t n = 0; n < 20; ++n) EXPECT_EQ(claimed(range, n), expected[n % 6]) << n;
  EXPECT_EQ(claimed(range, UINT64_MAX), expected[UINT64_MAX % 6]);
}

TEST(ProxySourceRange, Ipv6RangesInBrackets) {
  const auto range = parse("[fd00::1]-[fd00::ffff]:1024-65535");
  EXPECT_EQ(range.family(), AF_INET6);
  EXPECT_EQ(range.pair_count(), std::uint64_t{0xffff} * 64512);
  EXPECT_EQ(claimed(range, 0), "[fd00::1]:1024");
  EXPECT_EQ(claimed(range, 64512), "[fd00::2]:1024");
  EXPECT_EQ(claimed(range, *range.pair_count()), "[fd00::1]:1024");  // wrapped
  EXPECT_EQ(range.to_string(), "[fd00::1]-[fd00::ffff]:1024-65535");
  EXPECT_EQ(parse("[2001:db8::5]:443").to_string(), "[2001:db8::5]:443");
}

TEST(ProxySourceRange, Ipv6CarriesIntoTheHighHalf) {
  const auto range = parse("[fd00::ffff:ffff:ffff:ffff]-[fd00:0:0:1::]:80");
  ASSERT_EQ(range.pair_count(), 2u);
  EXPECT_EQ(claimed(range, 0), "[fd00::ffff:ffff:ffff:ffff]:80");
  EXPECT_EQ(claimed(range, 1), "[fd00:0:0:1::]:80");
  EXPECT_EQ(claimed(range, 2), "[fd00::ffff:ffff:ffff:ffff]:80");
}

// More pairs than a 64-bit connection number can count: no run ever wraps.
TEST(ProxySourceRange, HugeIpv6RangesNeverWrap) {
  const auto exactly_2_64 = parse("[2001:db8::]-[2001:db8::ffff:ffff:ffff]:0-65535");
  EXPECT_FALSE(exactly_2_64.pair_count());
  const auto range = parse("[2001:db8::]-[2001:db8:ffff:ffff:ffff:ffff:ffff:ffff]:0-65535");
  EXPECT_FALSE(range.pair_count());
  EXPECT_EQ(claimed(range, 65536), "[2001:db8::1]:0");
  EXPECT_EQ(claimed(range, UINT64_MAX), "[2001:db8::ffff:ffff:ffff]:65535");
  const auto just_fits = parse("[2001:db8::]-[2001:db8::ffff:ffff:ffff]:0-65534");
  EXPECT_EQ(just_fits.pair_count(), (std::uint64_t{1} << 48) * 65535);
}

struct BadRange {
  const char* text;
  const char* why;
};

class ProxySourceRangeErrors : public ::testing::TestWithParam<BadRange> {};

TEST_P(ProxySourceRangeErrors, SayWhyOnOneLine) {
  std::string error;
  EXPECT_FALSE(parse_proxy_source_range(GetParam().text, &error));
  EXPECT_EQ(error.rfind("invalid --proxy-source '" + std::string(GetParam().text) + "': ", 0), 0u)
      << error;
  EXPECT_NE(error.find(GetParam().why), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

INSTANTIATE_TEST_SUITE_P(
    Ranges, ProxySourceRangeErrors,
    ::testing::Values(BadRange{"10.0.0.9-10.0.0.1:80", "the address range ends before it starts"},
                      BadRange{"[fd00::2]-[fd00::1]:80", "the address range ends before it starts"},
                      BadRange{"10.0.0.1:90-80", "the port range ends before it starts"},
                      BadRange{"10.0.0.1-[fd00::1]:80", "the families are mixed"},
                      BadRange{"[fd00::1]-10.0.0.1:80", "the families are mixed"},
                      BadRange{"10.0.0.1", "expected ADDR:PORT or a range"},
                      BadRange{"", "expected ADDR:PORT or a range"},
                      BadRange{"[fd00::1]", "expected ADDR:PORT or a range"},
                      BadRange{"[fd00::1:80", "expected ADDR:PORT or a range"},
                      BadRange{"10.0.0.1:", "a port must be a number from 0 to 65535"},
                      BadRange{"10.0.0.1:70000", "a port must be a number from 0 to 65535"},
                      BadRange{"10.0.0.1:1-2-3", "a port must be a number from 0 to 65535"},
                      BadRange{"10.0.0.1:-5", "a port must be a number from 0 to 65535"},
                      BadRange{"fd00::1:80", "an IPv6 address goes in brackets"},
                      BadRange{"300.0.0.1:80", "not an IPv4 address"},
                      BadRange{"10.0.0.1-:80", "not an IPv4 address"},
                      BadRange{"[10.0.0.1]:80", "not an IPv6 address"}));

}  // namespace
}  // namespace echo::bench
