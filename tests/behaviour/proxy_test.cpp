// PROXY listeners (tcp+proxy://, unix+proxy:), for every engine and every
// listener kind: the header (v1, v2, every family, TLVs, CRC32C) is consumed
// and never echoed, the data after it is; the claimed client is the peer of the
// log lines and of admission (per-IP limit, deny); a header that is late,
// malformed, from outside --proxy-from or cut short is refused, logged with
// its reason. The headers are built by src/proxy's encoder (the parser's own
// tests are in tests/unit/proxy_*).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <vector>

#include "behaviour/engine_param.hpp"
#include "net/address.hpp"
#include "proxy/encoder.hpp"
#include "proxy/header.hpp"
#include "support/client_socket.hpp"
#include "support/server_process.hpp"

namespace echo::test {
namespace {

using proxy::Command;
using proxy::Family;
using proxy::Header;
using proxy::Version;

std::string text_of(const std::vector<std::uint8_t>& bytes) {
  return {bytes.begin(), bytes.end()};
}

Header inet_header(Version version, const char* source, const char* destination) {
  Header header;
  header.version = version;
  header.command = Command::proxy;
  header.source = *net::parse_address(source);
  header.destination = *net::parse_address(destination);
  header.family = header.source.family() == AF_INET6 ? Family::tcp6 : Family::tcp4;
  return header;
}

std::string v1(const char* source, const char* destination) {
  return text_of(proxy::encode_v1(inet_header(Version::v1, source, destination)));
}

std::string v2(const Header& header, const proxy::EncodeOptions& options = {}) {
  return text_of(proxy::encode_v2(header, options));
}

std::string v2(const char* source, const char* destination) {
  return v2(inet_header(Version::v2, source, destination));
}

class ProxyListener : public EngineTest {
 protected:
  ServerKind proxy_kind() const {
    ServerKind k = kind();
    k.proxy = true;
    return k;
  }
  // The socket's peer as the server's log names it: the proxy's address.
  static std::string proxy_name(int fd) { return peer_name(fd); }
};

// Sends header + data, expects exactly data back.
::testing::AssertionResult echoes_after(int fd, const std::string& header,
                                        const std::string& data) {
  if (!send_all(fd, header + data)) return ::testing::AssertionFailure() << "send failed";
  const std::string got = recv_exact(fd, data.size(), 10s);
  if (got != data)
    return ::testing::AssertionFailure()
           << "echoed " << got.size() << " bytes of " << data.size() << ", not the data";
  return ::testing::AssertionSuccess();
}

// Refused: the server closes without echoing anything.
::testing::AssertionResult closed_without_echo(int fd) {
  const RecvAll got = recv_until_end(fd, 10s);
  if ((got.end == StreamEnd::eof || got.end == StreamEnd::reset) && got.data.empty())
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "ended by " << to_string(got.end) << " after " << got.data.size() << " bytes";
}

TEST_P(ProxyListener, V1Tcp4HeaderIsConsumedAndTheClaimedClientIsThePeer) {
  ServerProcess server(proxy_kind());
  ASSERT_TRUE(server.started());
  net::UniqueFd fd = server.connect();
  ASSERT_TRUE(fd);
  ASSERT_TRUE(echoes_after(fd.get(), v1("192.0.2.1:5555", "192.0.2.2:80"), "hello\n"));
  const auto open = server.process().wait_for_stderr("info open id=", 5s);
  ASSERT_TRUE(open) << server.process().stderr_text();
  EXPECT_NE(open->find("peer=192.0.2.1:5555 proxy=" + proxy_name(fd.get())), std::string::npos)
      << *open;
  fd.reset();
  const auto close = server.process().wait_for_stderr("info close id=", 5s);
  ASSERT_TRUE(close) << server.process().stderr_text();
  EXPECT_NE(close->find("peer=192.0.2.1:5555 proxy="), std::string::npos) << *close;
  EXPECT_NE(close->find(" in=6 out=6 "), std::string::npos) << *close;  // the header is not data
}

TEST_P(ProxyListener, V1Tcp6AndUnknown) {
  ServerProcess server(proxy_kind());
  ASSERT_TRUE(server.started());
  net::UniqueFd six = server.connect();
  ASSERT_TRUE(six);
  ASSERT_TRUE(echoes_after(six.get(), v1("[2001:db8::1]:4000", "[2001:db8::2]:443"), "six\n"));
  const auto open = server.process().wait_for_stderr("peer=[2001:db8::1]:4000", 5s);
  ASSERT_TRUE(open) << server.process().stderr_text();
  six.reset();  // the blocking engine serves one client at a time

  // UNKNOWN: the socket's own peer stays the peer.
  net::UniqueFd unknown = server.connect();
  ASSERT_TRUE(unknown);
  ASSERT_TRUE(echoes_after(unknown.get(), "PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n", "unknown\n"));
  const std::string socket_peer = proxy_name(unknown.get());
  const auto line =
      server.process().wait_for_stderr("peer=" + socket_peer + " proxy=" + socket_peer, 5s);
  EXPECT_TRUE(line) << server.process().stderr_text();
}

TEST_P(ProxyListener, V2EveryFamilyAndCommand) {
  ServerProcess server(proxy_kind());
  ASSERT_TRUE(server.started());
  {
    net::UniqueFd fd = server.connect();
    ASSERT_TRUE(fd);
    ASSERT_TRUE(echoes_after(fd.get(), v2("198.51.100.7:1234", "198.51.100.8:80"), "v4\n"));
    EXPECT_TRUE(server.process().wait_for_stderr("peer=198.51.100.7:1234 proxy=", 5s))
        << server.process().stderr_text();
  }
  {
    net::UniqueFd fd = server.connect();
    ASSERT_TRUE(fd);
    ASSERT_TRUE(echoes_after(fd.get(), v2("[2001:db8::7]:1234", "[2001:db8::8]:80"), "v6\n"));
    EXPECT_TRUE(server.process().wait_for_stderr("peer=[2001:db8::7]:1234 proxy=", 5s))
        << server.process().stderr_text();
  }
  // UNIX, LOCAL and UNSPEC keep the socket's peer; each is served.
  Header unix_header;
  unix_header.version = Version::v2;
  unix_header.family = Family::unix_stream;
  unix_header.source_path = "/run/client.sock";
  unix_header.destination_path = "/run/echo.sock";
  Header local;
  local.version = Version::v2;
  local.command = Command::local;
  Header unspec;
  unspec.version = Version::v2;
  for (const Header* header : {&unix_header, &local, &unspec}) {
    net::UniqueFd fd = server.connect();
    ASSERT_TRUE(fd);
    ASSERT_TRUE(echoes_after(fd.get(), v2(*header), "kept\n"));
    const std::string socket_peer = proxy_name(fd.get());
    EXPECT_TRUE(
        server.process().wait_for_stderr("peer=" + socket_peer + " proxy=" + socket_peer, 5s))
        << server.process().stderr_text();
  }
}

TEST_P(ProxyListener, V2TlvsAreLoggedAndARightChecksumIsAccepted) {
  ServerProcess server(proxy_kind());
  ASSERT_TRUE(server.started());
  Header header = inet_header(Version::v2, "203.0.113.5:999", "203.0.113.6:443");
  header.tlvs = {proxy::make_tlv(proxy::tlv_type::alpn, "h2"),
                 proxy::make_tlv(proxy::tlv_type::authority, "echo.example"),
                 proxy::make_tlv(proxy::tlv_type::unique_id, "req-42"),
                 proxy::make_tlv(proxy::tlv_type::noop, "xx"),
                 proxy::make_tlv(0xF7, "unknown types are skipped")};
  proxy::EncodeOptions options;
  options.add_crc32c = true;
  net::UniqueFd fd = server.connect();
  ASSERT_TRUE(fd);
  ASSERT_TRUE(echoes_after(fd.get(), v2(header, options), "with tlvs\n"));
  const auto open = server.process().wait_for_stderr("peer=203.0.113.5:999", 5s);
  ASSERT_TRUE(open) << server.process().stderr_text();
  EXPECT_NE(open->find("alpn=h2"), std::string::npos) << *open;
  EXPECT_NE(open->find("authority=echo.example"), std::string::npos) << *open;
  EXPECT_NE(open->find("unique_id=req-42"), std::string::npos) << *open;
}

TEST_P(ProxyListener, AWrongChecksumIsRefused) {
  ServerProcess server(proxy_kind());
  ASSERT_TRUE(server.started());
  proxy::EncodeOptions options;
  options.add_crc32c = true;
  std::string header = v2(inet_header(Version::v2, "203.0.113.5:999", "203.0.113.6:443"), options);
  header.back() = static_cast<char>(header.back() ^ 0x01);  // the checksum is the last TLV
  net::UniqueFd fd = server.connect();
  ASSERT_TRUE(fd);
  ASSERT_TRUE(send_all(fd.get(), header + "never echoed\n"));
  EXPECT_TRUE(closed_without_echo(fd.get()));
  const auto line = server.process().wait_for_stderr("reason=proxy-invalid", 5s);
  ASSERT_TRUE(line) << server.process().stderr_text();
  EXPECT_NE(line->find("info refused peer=" + proxy_name(fd.get())), std::string::npos) << *line;
  EXPECT_NE(line->find("CRC32C"), std::string::npos) << *line;
  EXPECT_EQ(server.process().count_stderr("info open id="), 0u);
}

TEST_P(ProxyListener, AHeaderInOneByteWritesThenData) {
  ServerProcess server(proxy_kind());
  ASSERT_TRUE(server.started());
  for (const std::string& header :
       {v1("192.0.2.9:1", "192.0.2.10:2"), v2("192.0.2.11:1", "192.0.2.12:2")}) {
    net::UniqueFd fd = server.connect();
    ASSERT_TRUE(fd);
    const int on = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);  // no-op on Unix sockets
    for (const char byte : header) ASSERT_TRUE(send_all(fd.get(), std::string(1, byte)));
    ASSERT_TRUE(echoes_after(fd.get(), "", "after the pieces\n"));
  }
  EXPECT_TRUE(server.process().wait_for_stderr("peer=192.0.2.9:1", 5s));
  EXPECT_TRUE(server.process().wait_for_stderr("peer=192.0.2.11:1", 5s));
}

TEST_P(ProxyListener, HeaderAndBulkDataInOneWrite) {
  ServerProcess server(proxy_kind());
  ASSERT_TRUE(server.started());
  net::UniqueFd fd = server.connect();
  ASSERT_TRUE(fd);
  const std::string data = random_bytes(300'000, 11);  // past one buffer, past the splice threshold
  // The client writes everything before reading: the kernel buffers a few
  // hundred KB each way on loopback, so this cannot deadlock.
  ASSERT_TRUE(echoes_after(fd.get(), v2("192.0.2.20:7", "192.0.2.21:7"), data));
}

TEST_P(ProxyListener, AnIncompleteHeaderTimesOut) {
  ServerProcess server(proxy_kind(), {"--proxy-timeout", "200ms"});
  ASSERT_TRUE(server.started());
  net::UniqueFd fd = server.connect();
  ASSERT_TRUE(fd);
  ASSERT_TRUE(send_all(fd.get(), "PROXY TCP4 192.0.2.1"));
  EXPECT_TRUE(closed_without_echo(fd.get()));
  const auto line = server.process().wait_for_stderr("reason=proxy-timeout", 5s);
  ASSERT_TRUE(line) << server.process().stderr_text();
  EXPECT_NE(line->find("info refused peer=" + proxy_name(fd.get())), std::string::npos) << *line;
  // The server goes on serving.
  net::UniqueFd next = server.connect();
  ASSERT_TRUE(next);
  EXPECT_TRUE(echoes_after(next.get(), v1("192.0.2.1:1", "192.0.2.2:2"), "next\n"));
}

TEST_P(ProxyListener, GarbageIsRefusedAtOnceWithWhatWasWrong) {
  ServerProcess server(proxy_kind());
  ASSERT_TRUE(server.started());
  net::UniqueFd fd = server.connect();
  ASSERT_TRUE(fd);
  ASSERT_TRUE(send_all(fd.get(), "GET / HTTP/1.1\r\n\r\n"));
  EXPECT_TRUE(closed_without_echo(fd.get()));
  const auto line = server.process().wait_for_stderr("reason=proxy-invalid", 5s);
  ASSERT_TRUE(line) << server.process().stderr_text();
  EXPECT_NE(line->find("not a PROXY header"), std::string::npos) << *line;

  // A v1 line that runs past 107 bytes without CRLF.
  net::UniqueFd longer = server.connect();
  ASSERT_TRUE(longer);
  ASSERT_TRUE(send_all(longer.get(), "PROXY UNKNOWN " + std::string(120, 'x')));
  EXPECT_TRUE(closed_without_echo(longer.get()));
  EXPECT_TRUE(server.process().wait_for_stderr("107 bytes", 5s)) << server.process().stderr_text();

  // Cut short: the client closes inside the header.
  net::UniqueFd cut = server.connect();
  ASSERT_TRUE(cut);
  ASSERT_TRUE(send_all(cut.get(), v2("192.0.2.1:1", "192.0.2.2:2").substr(0, 20)));
  ::shutdown(cut.get(), SHUT_WR);
  EXPECT_TRUE(closed_without_echo(cut.get()));
  EXPECT_TRUE(server.process().wait_for_stderr("connection closed inside the header", 5s))
      << server.process().stderr_text();
  EXPECT_EQ(server.process().count_stderr("info open id="), 0u);
}

TEST_P(ProxyListener, APlainListenerNeverGuesses) {
  // The header means nothing on a plain listener: it is data, echoed.
  ServerProcess server(kind());
  ASSERT_TRUE(server.started());
  net::UniqueFd fd = server.connect();
  ASSERT_TRUE(fd);
  const std::string header = v1("192.0.2.1:5555", "192.0.2.2:80");
  ASSERT_TRUE(echoes_after(fd.get(), "", header + "data\n"));
}

TEST_P(ProxyListener, OnlyProxyFromMaySendTheHeader) {
  if (over_unix()) GTEST_SKIP() << "--proxy-from is about IP senders; Unix peers are exempt";
  // Loopback is outside 10.0.0.0/8: refused before a byte is read.
  {
    ServerProcess server(proxy_kind(), {"--proxy-from", "10.0.0.0/8"});
    ASSERT_TRUE(server.started());
    net::UniqueFd fd = server.connect();
    ASSERT_TRUE(fd);
    (void)send_all(fd.get(), v1("192.0.2.1:1", "192.0.2.2:2") + "spoofed\n");
    EXPECT_TRUE(closed_without_echo(fd.get()));
    const auto line = server.process().wait_for_stderr("reason=proxy-from", 5s);
    ASSERT_TRUE(line) << server.process().stderr_text();
    EXPECT_NE(line->find("info refused peer=" + proxy_name(fd.get())), std::string::npos) << *line;
  }
  {
    ServerProcess server(proxy_kind(), {"--proxy-from", "10.0.0.0/8", "--proxy-from", "127.0.0.0/8",
                                        "--proxy-from", "::1"});
    ASSERT_TRUE(server.started());
    net::UniqueFd fd = server.connect();
    ASSERT_TRUE(fd);
    EXPECT_TRUE(echoes_after(fd.get(), v1("192.0.2.1:1", "192.0.2.2:2"), "allowed\n"));
  }
}

TEST_P(ProxyListener, AdmissionAppliesToTheClaimedClient) {
  if (is_blocking()) GTEST_SKIP() << "one client at a time: a second never reaches admission";
  ServerProcess server(proxy_kind(),
                       {"--max-connections-per-ip", "1", "--deny", "198.51.100.0/24"});
  ASSERT_TRUE(server.started());
  net::UniqueFd first = server.connect();
  ASSERT_TRUE(first);
  ASSERT_TRUE(echoes_after(first.get(), v2("192.0.2.50:1", "192.0.2.2:2"), "first\n"));
  // The same claimed client again: over the per-IP limit, though the socket's
  // address is the same as for every other connection here.
  net::UniqueFd second = server.connect();
  ASSERT_TRUE(second);
  ASSERT_TRUE(send_all(second.get(), v2("192.0.2.50:2", "192.0.2.2:2") + "second\n"));
  EXPECT_TRUE(closed_without_echo(second.get()));
  const auto limit = server.process().wait_for_stderr("reason=per-ip-limit", 5s);
  ASSERT_TRUE(limit) << server.process().stderr_text();
  EXPECT_NE(limit->find("refused peer=192.0.2.50:2 proxy="), std::string::npos) << *limit;
  // Another claimed client is served.
  net::UniqueFd third = server.connect();
  ASSERT_TRUE(third);
  EXPECT_TRUE(echoes_after(third.get(), v2("192.0.2.51:1", "192.0.2.2:2"), "third\n"));
  // A denied claimed client is refused.
  net::UniqueFd denied = server.connect();
  ASSERT_TRUE(denied);
  ASSERT_TRUE(send_all(denied.get(), v1("198.51.100.9:1", "192.0.2.2:2") + "denied\n"));
  EXPECT_TRUE(closed_without_echo(denied.get()));
  const auto deny = server.process().wait_for_stderr("reason=denied", 5s);
  ASSERT_TRUE(deny) << server.process().stderr_text();
  EXPECT_NE(deny->find("refused peer=198.51.100.9:1 proxy="), std::string::npos) << *deny;
  // Closing the first gives its claimed address's count back.
  first.reset();
  ASSERT_TRUE(server.process().wait_for_stderr("close id=", 5s));
  net::UniqueFd again = server.connect();
  ASSERT_TRUE(again);
  EXPECT_TRUE(echoes_after(again.get(), v2("192.0.2.50:3", "192.0.2.2:2"), "again\n"));
}

TEST_P(ProxyListener, AHeaderStillIncompleteAtTheDrainDeadlineIsRefused) {
  if (is_blocking()) GTEST_SKIP() << "one client at a time: the probe would wait behind it";
  ServerProcess server(proxy_kind(), {"--drain-timeout", "100ms", "--proxy-timeout", "off"});
  ASSERT_TRUE(server.started());
  net::UniqueFd fd = server.connect();
  ASSERT_TRUE(fd);
  ASSERT_TRUE(send_all(fd.get(), "PROXY TCP4 "));
  // Wait until the server has the connection (it logs nothing for it yet): a
  // served connection on the same listener proves the accept loop has turned.
  net::UniqueFd probe = server.connect();
  ASSERT_TRUE(probe);
  ASSERT_TRUE(echoes_after(probe.get(), v1("192.0.2.1:1", "192.0.2.2:2"), "probe\n"));
  probe.reset();
  ASSERT_TRUE(server.process().wait_for_stderr("close id=", 5s));
  server.process().send_signal(SIGTERM);
  EXPECT_TRUE(closed_without_echo(fd.get()));
  EXPECT_EQ(server.process().wait_exit(10s), 0);
  EXPECT_NE(server.process().stderr_text().find("reason=shutdown"), std::string::npos)
      << server.process().stderr_text();
}

ECHO_INSTANTIATE_ENGINES(ProxyListener);

}  // namespace
}  // namespace echo::test
