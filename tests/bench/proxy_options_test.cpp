// echo-bench's --proxy-* options: what they parse into, the one-line usage
// error (exit 2) for each way they can be wrong, and how the text and JSON
// reports name the setting.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "bench/options.hpp"
#include "bench/report.hpp"

namespace echo::bench {
namespace {

struct Parsed {
  ParseOutcome outcome;
  std::string err;
};

Parsed parse(std::vector<std::string> args) {
  args.insert(args.begin(), "echo-bench");
  std::vector<const char*> argv;
  for (const auto& arg : args) argv.push_back(arg.c_str());
  std::ostringstream out, err;
  Parsed parsed{parse_options(static_cast<int>(argv.size()), argv.data(), out, err), err.str()};
  return parsed;
}

TEST(BenchProxyOptions, ParsesEveryFlag) {
  const auto parsed =
      parse({"127.0.0.1:7", "--proxy-header", "v2", "--proxy-source",
             "10.0.0.1-10.0.255.255:1024-65535", "--proxy-destination", "192.0.2.1:80",
             "--proxy-tlv", "0xE0=0000000000000001", "--proxy-tlv", "2=61", "--proxy-crc32c"});
  ASSERT_TRUE(parsed.outcome.options) << parsed.err;
  const auto& proxy = parsed.outcome.options->proxy;
  ASSERT_TRUE(proxy);
  EXPECT_EQ(proxy->request.version, proxy::Version::v2);
  ASSERT_TRUE(proxy->sources);
  EXPECT_EQ(proxy->sources->to_string(), "10.0.0.1-10.0.255.255:1024-65535");
  EXPECT_EQ(proxy->request.destination->to_string(), "192.0.2.1:80");
  ASSERT_EQ(proxy->request.tlvs.size(), 2u);
  EXPECT_EQ(proxy->request.tlvs[1], (proxy::Tlv{2, {0x61}}));
  EXPECT_TRUE(proxy->request.crc32c);
}

TEST(BenchProxyOptions, WithoutTheFlagsThereIsNoHeader) {
  const auto parsed = parse({"127.0.0.1:7"});
  ASSERT_TRUE(parsed.outcome.options) << parsed.err;
  EXPECT_FALSE(parsed.outcome.options->proxy);
}

// An IPv6 range over an IPv4 target is fine once the destination is IPv6 too.
TEST(BenchProxyOptions, TheHeaderFamilyNeedNotBeTheTargets) {
  const auto parsed =
      parse({"127.0.0.1:7", "--proxy-header", "v1", "--proxy-source",
             "[fd00::1]-[fd00::ffff]:1024-65535", "--proxy-destination", "[fd00::2:1]:443"});
  ASSERT_TRUE(parsed.outcome.options) << parsed.err;
  EXPECT_EQ(parsed.outcome.options->proxy->sources->family(), AF_INET6);
}

struct BadFlags {
  std::vector<std::string> args;
  std::string why;
};

class BenchProxyUsage : public ::testing::TestWithParam<BadFlags> {};

TEST_P(BenchProxyUsage, IsOneLineAndExitTwo) {
  auto args = GetParam().args;
  args.insert(args.begin(), "127.0.0.1:7");
  const auto parsed = parse(args);
  EXPECT_FALSE(parsed.outcome.options);
  EXPECT_EQ(parsed.outcome.exit_code, kExitUsage);
  EXPECT_EQ(parsed.err.rfind("echo-bench: ", 0), 0u) << parsed.err;
  EXPECT_EQ(parsed.err.find('\n'), parsed.err.size() - 1) << parsed.err;
  EXPECT_NE(parsed.err.find(GetParam().why), std::string::npos) << parsed.err;
}

INSTANTIATE_TEST_SUITE_P(
    Flags, BenchProxyUsage,
    ::testing::Values(
        BadFlags{{"--proxy-header", "2"}, "'2' is not a version: use v1 or v2"},
        BadFlags{{"--proxy-source", "10.0.0.1:1"}, "--proxy-source needs --proxy-header"},
        BadFlags{{"--proxy-destination", "10.0.0.1:1"}, "--proxy-destination needs --proxy-header"},
        BadFlags{{"--proxy-tlv", "1=AA"}, "--proxy-tlv needs --proxy-header v2"},
        BadFlags{{"--proxy-crc32c"}, "--proxy-crc32c needs --proxy-header v2"},
        BadFlags{{"--proxy-header", "v1", "--proxy-tlv", "1=AA"},
                 "--proxy-tlv needs --proxy-header v2 (a v1 header has no TLVs)"},
        BadFlags{{"--proxy-header", "v2", "--proxy-tlv", "0x100=AA"},
                 "the type must be a number from 0 to 255"},
        BadFlags{{"--proxy-header", "v2", "--proxy-source", "10.0.0.9-10.0.0.1:80"},
                 "the address range ends before it starts"},
        BadFlags{{"--proxy-header", "v2", "--proxy-source", "10.0.0.1:2000-1000"},
                 "the port range ends before it starts"},
        BadFlags{{"--proxy-header", "v2", "--proxy-source", "10.0.0.1-[fd00::1]:80"},
                 "the families are mixed"},
        BadFlags{{"--proxy-header", "v2", "--proxy-source", "10.0.0.1"},
                 "expected ADDR:PORT or a range"},
        BadFlags{{"--proxy-header", "v2", "--proxy-source", "[fd00::1]:80"},
                 "--proxy-source is IPv6 and the target (no --proxy-destination) is IPv4"},
        BadFlags{{"--proxy-header", "v2", "--proxy-destination", "[fd00::1]:80"},
                 "each connection's own address (no --proxy-source) is IPv4 and "
                 "--proxy-destination is IPv6"},
        BadFlags{{"--proxy-header", "v2", "--proxy-destination", "10.0.0.1"},
                 "--proxy-destination: invalid address '10.0.0.1'"}));

TEST(BenchProxyReport, TextAndJsonNameTheHeaderAndTheRange) {
  const auto parsed = parse({"127.0.0.1:7", "--proxy-header", "v2", "--proxy-source",
                             "10.0.0.1-10.0.0.2:1000-1999", "--proxy-crc32c"});
  ASSERT_TRUE(parsed.outcome.options) << parsed.err;
  const Options& options = *parsed.outcome.options;
  const RunResult result;
  std::ostringstream text;
  print_text_report(text, options, result);
  EXPECT_NE(text.str().find("  proxy       v2 header first on every connection (not counted), "
                            "source 10.0.0.1-10.0.0.2:1000-1999 (2000 pairs, one per "
                            "connection, then from the start), destination the target, CRC32C\n"),
            std::string::npos)
      << text.str();
  std::ostringstream json;
  print_json_report(json, options, result);
  const auto report = nlohmann::json::parse(json.str());
  EXPECT_EQ(report["proxy_header"], "v2");
  EXPECT_EQ(report["proxy_source"], "10.0.0.1-10.0.0.2:1000-1999");
  EXPECT_TRUE(report["proxy_destination"].is_null());
  EXPECT_EQ(report["proxy_crc32c"], true);

  const auto plain = parse({"127.0.0.1:7"});
  std::ostringstream plain_json, plain_text;
  print_json_report(plain_json, *plain.outcome.options, result);
  print_text_report(plain_text, *plain.outcome.options, result);
  const auto plain_report = nlohmann::json::parse(plain_json.str());
  EXPECT_TRUE(plain_report["proxy_header"].is_null());
  EXPECT_TRUE(plain_report["proxy_source"].is_null());
  EXPECT_EQ(plain_text.str().find("proxy"), std::string::npos) << plain_text.str();
}

}  // namespace
}  // namespace echo::bench
