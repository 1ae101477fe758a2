// echo-client --proxy-header: a scripted server on 127.0.0.1:0 reads the PROXY
// header with the library's parser (src/proxy/parser.hpp), checks what it
// claims, then echoes what follows it. The header comes first in both modes,
// claims the socket's own addresses by default, and carries --proxy-tlv and
// --proxy-crc32c in v2. The usage errors are in connect_and_usage_test.cpp.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "client/client_harness.hpp"
#include "net/address.hpp"
#include "proxy/header.hpp"
#include "proxy/parser.hpp"
#include "support/client_socket.hpp"

namespace echo::test {
namespace {

constexpr std::size_t kReadChunkBytes = 4096;

struct ReceivedHeader {
  std::optional<proxy::Header> header;  // nullopt: see error
  std::string error;
  std::string raw;    // the header's bytes
  std::string after;  // bytes that came with the header's end: the session's first
};

// Feeds what arrives to the parser until the header is complete (or wrong).
ReceivedHeader read_proxy_header(int fd) {
  proxy::Parser parser;
  ReceivedHeader received;
  char buffer[kReadChunkBytes];
  for (;;) {
    if (!wait_readable(fd, 10s)) {
      received.error = "no complete header within 10 s";
      return received;
    }
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      received.error = "the connection ended before the header did";
      return received;
    }
    const auto bytes =
        std::span(reinterpret_cast<const std::uint8_t*>(buffer), static_cast<std::size_t>(n));
    const auto step = parser.feed(bytes);
    received.raw.append(buffer, step.consumed);
    if (step.status == proxy::Parser::Status::invalid) {
      received.error = std::string(parser.error());
      return received;
    }
    if (step.status == proxy::Parser::Status::done) {
      received.header = parser.header();
      received.after.assign(buffer + step.consumed, static_cast<std::size_t>(n) - step.consumed);
      return received;
    }
  }
}

class ClientProxyHeader : public ::testing::Test {
 protected:
  std::unique_ptr<Process> start_client(const std::string& input,
                                        const std::vector<std::string>& extra) {
    write_file(dir_.path("in"), input);
    std::vector<std::string> args = extra;
    args.push_back(loopback(server_.port()));
    return std::make_unique<Process>(ECHO_CLIENT_PATH, args,
                                     redirect(dir_.path("in"), dir_.path("out")));
  }

  // Pipe mode's server side: the header, then everything up to the client's
  // half-close, echoed whole.
  ReceivedHeader serve_pipe_session(int fd) {
    ReceivedHeader received = read_proxy_header(fd);
    if (!received.header) return received;
    const RecvAll rest = recv_until_end(fd);
    EXPECT_EQ(rest.end, StreamEnd::eof) << to_string(rest.end);
    EXPECT_TRUE(send_all(fd, received.after + rest.data));
    return received;
  }

  void expect_clean_exit(Process& client, const std::string& input) {
    const ClientRun run = finish_client(client);
    EXPECT_EQ(run.exit_code, 0) << run.stderr_text;
    EXPECT_EQ(read_file(dir_.path("out")), input);
  }

  TempDir dir_;
  ScriptedServer server_;
};

TEST_F(ClientProxyHeader, V1ClaimsTheSocketsOwnAddressesByDefault) {
  const std::string input = "hello over a proxy\n";
  auto client = start_client(input, {"--pipe", "--proxy-header", "v1"});
  net::UniqueFd peer = server_.accept_one();
  ASSERT_TRUE(peer);
  const ReceivedHeader received = serve_pipe_session(peer.get());
  ASSERT_TRUE(received.header) << received.error;
  const proxy::Header& header = *received.header;
  EXPECT_EQ(header.version, proxy::Version::v1);
  EXPECT_EQ(header.family, proxy::Family::tcp4);
  // Source: the client's end of this connection; destination: the server's.
  const auto client_end = net::peer_address(peer.get());
  const auto server_end = net::local_address(peer.get());
  ASSERT_TRUE(client_end && server_end);
  EXPECT_EQ(header.source.to_string(), client_end->to_string());
  EXPECT_EQ(header.destination.to_string(), server_end->to_string());
  EXPECT_EQ(received.raw, "PROXY TCP4 127.0.0.1 127.0.0.1 " + std::to_string(client_end->port()) +
                              " " + std::to_string(server_.port()) + "\r\n");
  peer.reset();
  expect_clean_exit(*client, input);
}

TEST_F(ClientProxyHeader, V2ClaimsTheSocketsOwnAddressesByDefault) {
  const std::string input = std::string(100'000, 'x');
  auto client = start_client(input, {"--pipe", "--proxy-header", "v2"});
  net::UniqueFd peer = server_.accept_one();
  ASSERT_TRUE(peer);
  const ReceivedHeader received = serve_pipe_session(peer.get());
  ASSERT_TRUE(received.header) << received.error;
  const proxy::Header& header = *received.header;
  EXPECT_EQ(header.version, proxy::Version::v2);
  EXPECT_EQ(header.command, proxy::Command::proxy);
  EXPECT_EQ(header.family, proxy::Family::tcp4);
  EXPECT_EQ(header.source.to_string(), net::peer_address(peer.get())->to_string());
  EXPECT_EQ(header.destination.to_string(), loopback(server_.port()));
  EXPECT_TRUE(header.tlvs.empty());
  EXPECT_EQ(received.raw.size(), 28u);  // 16 fixed bytes and the IPv4 block, nothing else
  peer.reset();
  expect_clean_exit(*client, input);
}

TEST_F(ClientProxyHeader, V2CarriesExplicitAddressesTlvsAndACrc32c) {
  const std::string input = "tlv\n";
  auto client = start_client(
      input, {"--pipe", "--proxy-header", "v2", "--proxy-source", "192.0.2.1:1234",
              "--proxy-destination", "198.51.100.2:80", "--proxy-tlv", "0xE0=0000000000000001",
              "--proxy-tlv", "2=6578616d706c652e636f6d", "--proxy-tlv", "4=", "--proxy-crc32c"});
  net::UniqueFd peer = server_.accept_one();
  ASSERT_TRUE(peer);
  const ReceivedHeader received = serve_pipe_session(peer.get());
  ASSERT_TRUE(received.header) << received.error;
  const proxy::Header& header = *received.header;
  EXPECT_EQ(header.source.to_string(), "192.0.2.1:1234");
  EXPECT_EQ(header.destination.to_string(), "198.51.100.2:80");
  ASSERT_EQ(header.tlvs.size(), 4u);  // the three given, in order, then the CRC32C
  EXPECT_EQ(header.tlvs[0], (proxy::Tlv{0xE0, {0, 0, 0, 0, 0, 0, 0, 1}}));
  EXPECT_EQ(header.tlvs[1].type, 2);
  EXPECT_EQ(header.tlvs[2], (proxy::Tlv{4, {}}));
  EXPECT_EQ(header.tlvs[3].type, proxy::tlv_type::crc32c);
  EXPECT_EQ(header.authority, "example.com");
  EXPECT_EQ(header.gcp_psc_connection_id, 1u);
  EXPECT_TRUE(header.crc32c_present);
  EXPECT_TRUE(header.crc32c_verified);
  peer.reset();
  expect_clean_exit(*client, input);
}

// The header's family follows its addresses, not the connection's.
TEST_F(ClientProxyHeader, V1ClaimsIpv6OverAnIpv4Connection) {
  const std::string input = "six\n";
  auto client = start_client(input, {"--pipe", "--proxy-header", "v1", "--proxy-source",
                                     "[2001:db8::1]:40000", "--proxy-destination", "[::1]:443"});
  net::UniqueFd peer = server_.accept_one();
  ASSERT_TRUE(peer);
  const ReceivedHeader received = serve_pipe_session(peer.get());
  ASSERT_TRUE(received.header) << received.error;
  EXPECT_EQ(received.header->family, proxy::Family::tcp6);
  EXPECT_EQ(received.raw, "PROXY TCP6 2001:db8::1 ::1 40000 443\r\n");
  peer.reset();
  expect_clean_exit(*client, input);
}

TEST_F(ClientProxyHeader, InteractiveModeSendsTheHeaderBeforeTheFirstLine) {
  const std::string input = "hi\n";
  auto client = start_client(
      input, {"--interactive", "--proxy-header", "v2", "--proxy-source", "10.1.2.3:5555"});
  net::UniqueFd peer = server_.accept_one();
  ASSERT_TRUE(peer);
  const ReceivedHeader received = read_proxy_header(peer.get());
  ASSERT_TRUE(received.header) << received.error;
  EXPECT_EQ(received.header->source.to_string(), "10.1.2.3:5555");
  const std::string line = received.after + recv_exact(peer.get(), 3 - received.after.size());
  ASSERT_EQ(line, "hi\n");
  ASSERT_TRUE(send_all(peer.get(), line));
  ASSERT_EQ(recv_until_end(peer.get()).end, StreamEnd::eof);
  peer.reset();
  expect_clean_exit(*client, input);
}

}  // namespace
}  // namespace echo::test
