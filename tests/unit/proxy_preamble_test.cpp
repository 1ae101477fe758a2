// The preamble stage (core/proxy_preamble.hpp) in-process: what it leaves in
// the buffer, whom the record names, what admission and the limiter count, and
// how an unfinished connection's end maps to a refusal.
#include "core/proxy_preamble.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "core/cidr.hpp"
#include "core/connection_lifecycle.hpp"
#include "net/address.hpp"
#include "proxy/encoder.hpp"

namespace echo {
namespace {

std::vector<std::byte> bytes_of(const std::string& text) {
  std::vector<std::byte> out(text.size());
  std::memcpy(out.data(), text.data(), text.size());
  return out;
}

std::string v1_header(const char* source) {
  proxy::Header header;
  header.version = proxy::Version::v1;
  header.family = proxy::Family::tcp4;
  header.source = *net::parse_address(source);
  header.destination = *net::parse_address("192.0.2.99:80");
  const auto encoded = proxy::encode_v1(header);
  return {encoded.begin(), encoded.end()};
}

struct Stage {
  explicit Stage(ServerConfig config = {}) : context(std::move(config)) {}
  // A connection accepted from the proxy at 127.0.0.1:40000, as an engine would.
  std::optional<ConnectionRecord> accept() {
    if (!context.limiter.try_acquire()) return std::nullopt;
    return admit_connection(context, *net::parse_address("127.0.0.1:40000"), Preamble::proxy);
  }
  ServerContext context;
};

TEST(ProxyPreamble, TheHeaderIsConsumedAndWhatFollowsStaysAtTheStart) {
  Stage stage;
  auto record = stage.accept();
  ASSERT_TRUE(record);
  ProxyPreamble preamble(record->peer());
  auto buffer = bytes_of(v1_header("192.0.2.1:5555") + "echo me");
  const auto step = preamble.take(stage.context, *record, buffer);
  ASSERT_EQ(step.status, ProxyPreamble::Status::done);
  ASSERT_EQ(step.leftover, 7u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(buffer.data()), 7), "echo me");
  EXPECT_TRUE(preamble.complete());
  EXPECT_EQ(record->peer().to_string(), "192.0.2.1:5555");
  EXPECT_EQ(preamble.sender().to_string(), "127.0.0.1:40000");
  EXPECT_EQ(stage.context.limiter.active(), 1u);
  end_connection(stage.context, *record, CloseReason::eof, 0, 0, &preamble.sender());
  EXPECT_EQ(stage.context.limiter.active(), 0u);
}

TEST(ProxyPreamble, AHeaderSplitAtEveryByteGivesTheSameOutcome) {
  const std::string whole = v1_header("192.0.2.1:5555") + "tail";
  for (std::size_t cut = 1; cut < whole.size(); ++cut) {
    Stage stage;
    auto record = stage.accept();
    ProxyPreamble preamble(record->peer());
    auto first = bytes_of(whole.substr(0, cut));
    auto second = bytes_of(whole.substr(cut));
    auto step = preamble.take(stage.context, *record, first);
    std::string echoed;
    if (step.status == ProxyPreamble::Status::need_more) {
      step = preamble.take(stage.context, *record, second);
      echoed.assign(reinterpret_cast<const char*>(second.data()), step.leftover);
    } else {
      // The header ended in the first piece: its leftover, then all of the second.
      echoed.assign(reinterpret_cast<const char*>(first.data()), step.leftover);
      echoed.append(whole.substr(cut));
    }
    ASSERT_EQ(step.status, ProxyPreamble::Status::done) << "cut at " << cut;
    EXPECT_EQ(echoed, "tail") << "cut at " << cut;
    EXPECT_EQ(record->peer().to_string(), "192.0.2.1:5555");
  }
}

TEST(ProxyPreamble, AdmissionJudgesTheClaimedClient) {
  ServerConfig config;
  config.admission.deny.push_back(*parse_cidr("198.51.100.0/24"));
  config.admission.max_connections_per_ip = 1;
  Stage stage(config);

  auto first = stage.accept();
  ProxyPreamble first_preamble(first->peer());
  auto buffer = bytes_of(v1_header("192.0.2.1:1"));
  ASSERT_EQ(first_preamble.take(stage.context, *first, buffer).status, ProxyPreamble::Status::done);

  // The same claimed address again: over the per-IP limit (the proxy's own
  // address is the same for both and is not what is counted).
  auto second = stage.accept();
  ProxyPreamble second_preamble(second->peer());
  buffer = bytes_of(v1_header("192.0.2.1:2"));
  ASSERT_EQ(second_preamble.take(stage.context, *second, buffer).status,
            ProxyPreamble::Status::refused);
  EXPECT_EQ(second_preamble.refusal(), Refusal::none);  // admission logged it
  end_preamble(stage.context, second_preamble, second_preamble.refusal(), "");
  EXPECT_EQ(stage.context.admission.refusals().count(Refusal::per_ip_limit), 1u);

  auto denied = stage.accept();
  ProxyPreamble denied_preamble(denied->peer());
  buffer = bytes_of(v1_header("198.51.100.4:2"));
  EXPECT_EQ(denied_preamble.take(stage.context, *denied, buffer).status,
            ProxyPreamble::Status::refused);
  end_preamble(stage.context, denied_preamble, denied_preamble.refusal(), "");
  EXPECT_EQ(stage.context.admission.refusals().count(Refusal::denied), 1u);
  EXPECT_EQ(stage.context.limiter.active(), 1u);  // only the first holds a slot
}

TEST(ProxyPreamble, OnlyProxyFromMaySend) {
  ServerConfig config;
  config.admission.proxy_from.push_back(*parse_cidr("10.0.0.0/8"));
  Stage stage(config);
  EXPECT_FALSE(stage.accept());  // 127.0.0.1 is not in 10.0.0.0/8
  EXPECT_EQ(stage.context.admission.refusals().count(Refusal::proxy_from), 1u);
  EXPECT_EQ(stage.context.limiter.active(), 0u);
}

TEST(ProxyPreamble, GarbageIsRefusedWithTheParsersReason) {
  Stage stage;
  auto record = stage.accept();
  ProxyPreamble preamble(record->peer());
  auto buffer = bytes_of("GET / HTTP/1.1\r\n");
  ASSERT_EQ(preamble.take(stage.context, *record, buffer).status, ProxyPreamble::Status::refused);
  EXPECT_EQ(preamble.refusal(), Refusal::proxy_invalid);
  EXPECT_EQ(preamble.detail(), "not a PROXY header");
  std::string detail;
  EXPECT_EQ(refusal_for_unfinished(preamble, CloseReason::proxy_invalid, 0, &detail),
            Refusal::proxy_invalid);
  EXPECT_EQ(detail, "not a PROXY header");
  end_preamble(stage.context, preamble, Refusal::proxy_invalid, detail);
  EXPECT_EQ(stage.context.admission.refusals().count(Refusal::proxy_invalid), 1u);
  EXPECT_EQ(stage.context.limiter.active(), 0u);
}

TEST(ProxyPreamble, HowAnUnfinishedConnectionEnds) {
  const ProxyPreamble preamble(net::PeerAddress(*net::parse_address("127.0.0.1:1")));
  std::string detail;
  EXPECT_EQ(refusal_for_unfinished(preamble, CloseReason::proxy_timeout, 0, &detail),
            Refusal::proxy_timeout);
  EXPECT_EQ(refusal_for_unfinished(preamble, CloseReason::shutdown, 0, &detail), Refusal::shutdown);
  EXPECT_EQ(refusal_for_unfinished(preamble, CloseReason::eof, 0, &detail), Refusal::proxy_invalid);
  EXPECT_EQ(detail, "connection closed inside the header");
  EXPECT_EQ(refusal_for_unfinished(preamble, CloseReason::reset, ECONNRESET, &detail),
            Refusal::proxy_invalid);
  EXPECT_EQ(detail, std::strerror(ECONNRESET));
}

}  // namespace
}  // namespace echo
