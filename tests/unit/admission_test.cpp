// The admission step without sockets: allow/deny precedence, per-IP counting
// with its address groups, release, Unix peers, and the throttled refusal log
// (its clock stepped by hand, never slept on).
#include "core/admission.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/address.hpp"

namespace echo {
namespace {

using namespace std::chrono_literals;

net::PeerAddress peer(const std::string& text) {
  const auto address = net::parse_address(text);
  EXPECT_TRUE(address) << text;
  return net::PeerAddress(address.value_or(net::Address{}));
}

std::vector<Cidr> cidrs(std::initializer_list<const char*> texts) {
  std::vector<Cidr> out;
  for (const char* text : texts) out.push_back(parse_cidr(text).value());
  return out;
}

net::PeerAddress unix_peer() {
  net::Address address;
  address.storage.ss_family = AF_UNIX;
  return net::PeerAddress(address);
}

TEST(Admission, WithNoRulesEveryoneIsAdmitted) {
  Admission admission(AdmissionConfig{});
  EXPECT_EQ(admission.admit(peer("10.1.2.3:1")), Refusal::none);
  EXPECT_EQ(admission.admit(peer("[::1]:1")), Refusal::none);
  EXPECT_EQ(admission.tracked_groups(), 0u);
}

TEST(Admission, DenyWinsOverAllow) {
  AdmissionConfig config;
  config.allow = cidrs({"127.0.0.0/8"});
  config.deny = cidrs({"127.0.0.2/32"});
  Admission admission(config);
  EXPECT_EQ(admission.admit(peer("127.0.0.1:1")), Refusal::none);
  EXPECT_EQ(admission.admit(peer("127.0.0.2:1")), Refusal::denied);
  EXPECT_EQ(admission.admit(peer("10.0.0.1:1")), Refusal::denied);  // not allowed
  EXPECT_EQ(admission.refusals().count(Refusal::denied), 2u);
}

TEST(Admission, AnAllowListDeniesEverythingElseOfBothFamilies) {
  AdmissionConfig config;
  config.allow = cidrs({"::1/128"});
  Admission admission(config);
  EXPECT_EQ(admission.admit(peer("[::1]:1")), Refusal::none);
  EXPECT_EQ(admission.admit(peer("127.0.0.1:1")), Refusal::denied);
  EXPECT_EQ(admission.admit(peer("[::2]:1")), Refusal::denied);
}

TEST(Admission, DenyAloneAdmitsTheRest) {
  AdmissionConfig config;
  config.deny = cidrs({"10.0.0.0/8", "2001:db8::/32"});
  Admission admission(config);
  EXPECT_EQ(admission.admit(peer("10.9.9.9:1")), Refusal::denied);
  EXPECT_EQ(admission.admit(peer("[2001:db8::7]:1")), Refusal::denied);
  EXPECT_EQ(admission.admit(peer("11.0.0.1:1")), Refusal::none);
  EXPECT_EQ(admission.admit(peer("[2001:db9::7]:1")), Refusal::none);
}

TEST(Admission, AMappedPeerMeetsTheIpv4Rules) {
  AdmissionConfig config;
  config.deny = cidrs({"127.0.0.1"});
  config.max_connections_per_ip = 1;
  Admission admission(config);
  EXPECT_EQ(admission.admit(peer("[::ffff:127.0.0.1]:1")), Refusal::denied);
  EXPECT_EQ(admission.admit(peer("[::ffff:127.0.0.2]:1")), Refusal::none);
  EXPECT_EQ(admission.admit(peer("127.0.0.2:2")), Refusal::per_ip_limit);  // the same client
}

TEST(Admission, UnixPeersAreNotSubjectToIpRules) {
  AdmissionConfig config;
  config.allow = cidrs({"10.0.0.0/8"});
  config.deny = cidrs({"0.0.0.0/0", "::/0"});
  config.max_connections_per_ip = 1;
  Admission admission(config);
  EXPECT_EQ(admission.admit(unix_peer()), Refusal::none);
  EXPECT_EQ(admission.admit(unix_peer()), Refusal::none);
  admission.release(unix_peer());
  EXPECT_EQ(admission.tracked_groups(), 0u);
}

TEST(Admission, PerIpLimitCountsEachIpv4Address) {
  AdmissionConfig config;
  config.max_connections_per_ip = 2;
  Admission admission(config);
  EXPECT_EQ(admission.admit(peer("127.0.0.1:1")), Refusal::none);
  EXPECT_EQ(admission.admit(peer("127.0.0.1:2")), Refusal::none);
  EXPECT_EQ(admission.admit(peer("127.0.0.1:3")), Refusal::per_ip_limit);
  EXPECT_EQ(admission.admit(peer("127.0.0.2:1")), Refusal::none);
  EXPECT_EQ(admission.refusals().count(Refusal::per_ip_limit), 1u);

  admission.release(peer("127.0.0.1:1"));
  EXPECT_EQ(admission.admit(peer("127.0.0.1:4")), Refusal::none);
  EXPECT_EQ(admission.admit(peer("127.0.0.1:5")), Refusal::per_ip_limit);
}

TEST(Admission, Ipv6AddressesInOneSlash64ShareACount) {
  AdmissionConfig config;
  config.max_connections_per_ip = 1;
  Admission admission(config);
  EXPECT_EQ(admission.admit(peer("[2001:db8:0:1::1]:1")), Refusal::none);
  EXPECT_EQ(admission.admit(peer("[2001:db8:0:1:ffff::9]:1")), Refusal::per_ip_limit);
  EXPECT_EQ(admission.admit(peer("[2001:db8:0:2::1]:1")), Refusal::none);  // another /64
  EXPECT_EQ(admission.tracked_groups(), 2u);
  admission.release(peer("[2001:db8:0:1::1]:1"));
  EXPECT_EQ(admission.admit(peer("[2001:db8:0:1:ffff::9]:1")), Refusal::none);
}

TEST(Admission, ThePrefixesSetTheGroups) {
  AdmissionConfig config;
  config.max_connections_per_ip = 1;
  config.per_ip_prefix_v4 = 24;
  config.per_ip_prefix_v6 = 128;
  Admission admission(config);
  EXPECT_EQ(admission.admit(peer("192.168.1.1:1")), Refusal::none);
  EXPECT_EQ(admission.admit(peer("192.168.1.200:1")), Refusal::per_ip_limit);
  EXPECT_EQ(admission.admit(peer("192.168.2.1:1")), Refusal::none);
  EXPECT_EQ(admission.admit(peer("[2001:db8::1]:1")), Refusal::none);
  EXPECT_EQ(admission.admit(peer("[2001:db8::2]:1")), Refusal::none);  // /128: its own
}

TEST(Admission, ReleaseForgetsAnEmptyGroup) {
  AdmissionConfig config;
  config.max_connections_per_ip = 3;
  Admission admission(config);
  ASSERT_EQ(admission.admit(peer("10.0.0.1:1")), Refusal::none);
  ASSERT_EQ(admission.admit(peer("10.0.0.1:2")), Refusal::none);
  EXPECT_EQ(admission.tracked_groups(), 1u);
  admission.release(peer("10.0.0.1:1"));
  EXPECT_EQ(admission.tracked_groups(), 1u);
  admission.release(peer("10.0.0.1:2"));
  EXPECT_EQ(admission.tracked_groups(), 0u);
  admission.release(peer("10.0.0.1:3"));  // never admitted: nothing to give back
  EXPECT_EQ(admission.tracked_groups(), 0u);
}

TEST(Admission, ADeniedPeerTakesNoPerIpCount) {
  AdmissionConfig config;
  config.deny = cidrs({"10.0.0.1"});
  config.max_connections_per_ip = 1;
  Admission admission(config);
  EXPECT_EQ(admission.admit(peer("10.0.0.1:1")), Refusal::denied);
  EXPECT_EQ(admission.tracked_groups(), 0u);
}

TEST(Refusal, NamesAsTheLogWritesThem) {
  EXPECT_STREQ(to_string(Refusal::denied), "denied");
  EXPECT_STREQ(to_string(Refusal::per_ip_limit), "per-ip-limit");
}

TEST(LogThrottle, AllowsTheBudgetPerWindowAndCountsTheRest) {
  LogThrottle throttle(3, 1s);
  const auto t0 = LogThrottle::Clock::time_point{} + 100s;
  std::uint64_t suppressed = 99;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(throttle.allow(t0 + std::chrono::milliseconds(i), &suppressed));
    EXPECT_EQ(suppressed, 0u);
  }
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(throttle.allow(t0 + 500ms, &suppressed));
  EXPECT_FALSE(throttle.allow(t0 + 999ms, &suppressed));

  // The next window's first line says how many were held back.
  ASSERT_TRUE(throttle.allow(t0 + 1s, &suppressed));
  EXPECT_EQ(suppressed, 6u);
  ASSERT_TRUE(throttle.allow(t0 + 1s, &suppressed));
  EXPECT_EQ(suppressed, 0u);
}

TEST(LogThrottle, AQuietGapStartsAFreshWindow) {
  LogThrottle throttle(1, 1s);
  const auto t0 = LogThrottle::Clock::time_point{} + 100s;
  std::uint64_t suppressed = 0;
  ASSERT_TRUE(throttle.allow(t0, &suppressed));
  EXPECT_FALSE(throttle.allow(t0 + 10ms, &suppressed));
  ASSERT_TRUE(throttle.allow(t0 + 1h, &suppressed));
  EXPECT_EQ(suppressed, 1u);
  EXPECT_FALSE(throttle.allow(t0 + 1h + 999ms, &suppressed));
}

TEST(RefusalLog, CountsEveryRefusalByReasonEvenWhenLinesAreSuppressed) {
  RefusalLog log;
  const auto t0 = LogThrottle::Clock::time_point{} + 100s;
  for (int i = 0; i < 50; ++i) log.record(Refusal::denied, peer("10.0.0.1:1"), t0);
  for (int i = 0; i < 7; ++i) log.record(Refusal::per_ip_limit, peer("10.0.0.1:1"), t0);
  EXPECT_EQ(log.count(Refusal::denied), 50u);
  EXPECT_EQ(log.count(Refusal::per_ip_limit), 7u);
  EXPECT_EQ(log.count(Refusal::none), 0u);
}

}  // namespace
}  // namespace echo
