// The --listen parser: every form it takes, how each prints back with the real
// port, and a one-line reason for each thing it refuses.
#include "core/listen_spec.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>

#include "net/unix_socket.hpp"

namespace echo {
namespace {

ListenSpec parse_ok(const std::string& text) {
  std::string error;
  auto spec = parse_listen_spec(text, &error);
  EXPECT_TRUE(spec) << text << ": " << error;
  return spec.value_or(ListenSpec{});
}

std::string parse_error(const std::string& text) {
  std::string error;
  EXPECT_FALSE(parse_listen_spec(text, &error)) << text;
  return error;
}

TEST(ListenSpec, BareAddressIsPlainTcp) {
  const ListenSpec spec = parse_ok("127.0.0.1:7878");
  EXPECT_EQ(spec.transport, Transport::tcp);
  EXPECT_EQ(spec.security, Security::plain);
  EXPECT_EQ(spec.preamble, Preamble::none);
  EXPECT_EQ(spec.address.family(), AF_INET);
  EXPECT_EQ(spec.address.port(), 7878);
  EXPECT_FALSE(spec.dual_stack);
  EXPECT_EQ(spec.to_string(), "127.0.0.1:7878");
}

TEST(ListenSpec, TcpSchemeIsOptional) {
  const ListenSpec spec = parse_ok("tcp://127.0.0.1:7878");
  EXPECT_EQ(spec.transport, Transport::tcp);
  EXPECT_EQ(spec.address.to_string(), "127.0.0.1:7878");
  EXPECT_EQ(spec.to_string(), "tcp://127.0.0.1:7878");
}

TEST(ListenSpec, Ipv6InBracketsWithAndWithoutScheme) {
  for (const std::string text : {"[::1]:9000", "tcp://[::1]:9000"}) {
    const ListenSpec spec = parse_ok(text);
    EXPECT_EQ(spec.address.family(), AF_INET6) << text;
    EXPECT_EQ(spec.address.port(), 9000) << text;
    EXPECT_FALSE(spec.dual_stack) << text;
    EXPECT_EQ(spec.to_string(), text);
  }
}

TEST(ListenSpec, LocalhostIsLoopbackAndPrintsAsWritten) {
  const ListenSpec spec = parse_ok("localhost:0");
  EXPECT_EQ(spec.address.to_string(), "127.0.0.1:0");
  EXPECT_EQ(spec.to_string(), "localhost:0");
  EXPECT_EQ(parse_ok("tcp://localhost:1").address.to_string(), "127.0.0.1:1");
}

TEST(ListenSpec, BarePortIsEveryAddressInOneDualStackSocket) {
  for (const std::string text : {":7878", "tcp://:7878"}) {
    const ListenSpec spec = parse_ok(text);
    EXPECT_EQ(spec.transport, Transport::tcp) << text;
    EXPECT_TRUE(spec.dual_stack) << text;
    EXPECT_EQ(spec.address.to_string(), "[::]:7878") << text;
    EXPECT_EQ(spec.to_string(), text);
  }
}

TEST(ListenSpec, UnixPath) {
  const ListenSpec spec = parse_ok("unix:/run/echo/echo.sock");
  EXPECT_EQ(spec.transport, Transport::unix_stream);
  EXPECT_EQ(spec.security, Security::plain);
  EXPECT_EQ(spec.preamble, Preamble::none);
  EXPECT_EQ(spec.path, "/run/echo/echo.sock");
  EXPECT_EQ(spec.to_string(), "unix:/run/echo/echo.sock");
  EXPECT_EQ(parse_ok("unix:echo.sock").path, "echo.sock");  // relative to the working directory
  // The URL spelling, as Docker writes it, names the same path.
  const ListenSpec url = parse_ok("unix:///run/echo.sock");
  EXPECT_EQ(url.path, "/run/echo.sock");
  EXPECT_EQ(url.to_string(), "unix:///run/echo.sock");
}

TEST(ListenSpec, SchemeNamesAreCaseInsensitive) {
  EXPECT_EQ(parse_ok("TCP://127.0.0.1:1").transport, Transport::tcp);
  EXPECT_EQ(parse_ok("Unix:/tmp/s").transport, Transport::unix_stream);
}

TEST(ListenSpec, ToStringShowsTheRealPortInTheFormGiven) {
  const auto bound = [](const std::string& text) {
    ListenSpec spec = parse_ok(text);
    spec.address.set_port(45123);  // as open_listeners does once the kernel chose
    return spec.to_string();
  };
  EXPECT_EQ(bound("tcp://127.0.0.1:0"), "tcp://127.0.0.1:45123");
  EXPECT_EQ(bound("127.0.0.1:0"), "127.0.0.1:45123");
  EXPECT_EQ(bound(":0"), ":45123");
  EXPECT_EQ(bound("tcp://:0"), "tcp://:45123");
  EXPECT_EQ(bound("[::1]:0"), "[::1]:45123");
  EXPECT_EQ(bound("localhost:00"), "localhost:45123");
  EXPECT_EQ(bound("unix:/tmp/x.sock"), "unix:/tmp/x.sock");
}

TEST(ListenSpec, KnownSchemesNotAvailableYetSaySo) {
  EXPECT_EQ(parse_error("tls://127.0.0.1:1"),
            "'tls://127.0.0.1:1': TLS listeners are not available yet");
  EXPECT_EQ(parse_error("udp://127.0.0.1:1"),
            "'udp://127.0.0.1:1': UDP listeners are not available yet");
  // The transport is named first: TLS is what is missing here.
  EXPECT_EQ(parse_error("tls+proxy://127.0.0.1:1"),
            "'tls+proxy://127.0.0.1:1': TLS listeners are not available yet");
}

TEST(ListenSpec, ProxyListenersRequireTheHeader) {
  const auto tcp = parse_listen_spec("tcp+proxy://127.0.0.1:0");
  ASSERT_TRUE(tcp);
  EXPECT_EQ(tcp->transport, Transport::tcp);
  EXPECT_EQ(tcp->preamble, Preamble::proxy);
  EXPECT_EQ(tcp->address.to_string(), "127.0.0.1:0");
  EXPECT_EQ(tcp->to_string(), "tcp+proxy://127.0.0.1:0");
  const auto any = parse_listen_spec("TCP+PROXY://:7000");
  ASSERT_TRUE(any);
  EXPECT_TRUE(any->dual_stack);
  EXPECT_EQ(any->preamble, Preamble::proxy);
  const auto unix_spec = parse_listen_spec("unix+proxy:/tmp/p.sock");
  ASSERT_TRUE(unix_spec);
  EXPECT_EQ(unix_spec->transport, Transport::unix_stream);
  EXPECT_EQ(unix_spec->preamble, Preamble::proxy);
  EXPECT_EQ(unix_spec->path, "/tmp/p.sock");
  EXPECT_EQ(unix_spec->to_string(), "unix+proxy:/tmp/p.sock");
  // A plain listener has none.
  EXPECT_EQ(parse_listen_spec("tcp://127.0.0.1:1")->preamble, Preamble::none);
  EXPECT_EQ(parse_error("tcp+proxy:127.0.0.1:1"),
            "'tcp+proxy:127.0.0.1:1': expected tcp+proxy://ADDR:PORT");
}

TEST(ListenSpec, UnknownSchemesAreNamed) {
  EXPECT_EQ(parse_error("sctp://127.0.0.1:1"), "'sctp://127.0.0.1:1': unknown scheme 'sctp'");
  EXPECT_EQ(parse_error("unx:/tmp/s"), "'unx:/tmp/s': unknown scheme 'unx'");
  EXPECT_EQ(parse_error("tcp+gzip://127.0.0.1:1"),
            "'tcp+gzip://127.0.0.1:1': unknown scheme 'tcp+gzip'");
}

TEST(ListenSpec, EachSchemeInItsOwnForm) {
  EXPECT_EQ(parse_error("tcp:127.0.0.1:1"), "'tcp:127.0.0.1:1': expected tcp://ADDR:PORT");
  EXPECT_EQ(parse_error("unix:"), "'unix:': the socket path is empty");
}

TEST(ListenSpec, UnixPathMustFitTheSocketAddress) {
  const std::string longest(net::kMaxUnixPathBytes, 'a');
  EXPECT_EQ(parse_ok("unix:" + longest).path, longest);
  const std::string error = parse_error("unix:" + longest + "a");
  EXPECT_NE(error.find("the socket path is longer than 107 bytes"), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

TEST(ListenSpec, BadAddressesGiveOneLineNamingTheValue) {
  EXPECT_EQ(parse_error("nonsense"), "'nonsense': expected HOST:PORT");
  EXPECT_EQ(parse_error("example.com:80"),
            "'example.com:80': the host must be a numeric IPv4 address, or IPv6 in brackets");
  for (const std::string bad :
       {"", ":", ":65536", ":x", "tcp://", "tcp://:", "127.0.0.1:", "tcp://127.0.0.1:99999",
        "::1:80", "tcp://[::1]80", "tcp://nonsense"}) {
    const std::string error = parse_error(bad);
    EXPECT_EQ(error.rfind("'" + bad + "': ", 0), 0u) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace echo
