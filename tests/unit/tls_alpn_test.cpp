// ALPN (RFC 7301): the choice rules of tls/alpn.hpp on their own, then in
// handshakes -- our preference wins, any offer is accepted when we configure
// none, nothing in common fails with no_application_protocol.
#include <gtest/gtest.h>

#include "tls/alpn.hpp"
#include "tls_pair.hpp"

namespace echo::tls::test {
namespace {

std::vector<unsigned char> wire(const std::vector<std::string>& names) {
  std::string error;
  return *encode_alpn(names, &error);
}

std::string chosen(const std::vector<std::string>& ours, const std::vector<std::string>& offered) {
  const std::vector<unsigned char> our_wire = wire(ours);
  const std::vector<unsigned char> offered_wire = wire(offered);
  const auto choice = choose_alpn(our_wire, offered_wire);
  if (!choice) return "<none>";
  return {choice->begin(), choice->end()};
}

TEST(TlsAlpn, EncodesNamesWithTheirLengths) {
  EXPECT_EQ(wire({"h2", "echo"}), (std::vector<unsigned char>{2, 'h', '2', 4, 'e', 'c', 'h', 'o'}));
  EXPECT_TRUE(wire({}).empty());
  std::string error;
  EXPECT_FALSE(encode_alpn({"ok", ""}, &error));
  EXPECT_EQ(error, "bad ALPN protocol name '' (1 to 255 bytes)");
  EXPECT_FALSE(encode_alpn({std::string(256, 'x')}, &error));
  EXPECT_TRUE(encode_alpn({std::string(255, 'x')}, &error));
}

TEST(TlsAlpn, OurPreferenceWins) {
  EXPECT_EQ(chosen({"echo", "h2"}, {"h2", "echo"}), "echo");
  EXPECT_EQ(chosen({"echo", "h2"}, {"h2"}), "h2");
  EXPECT_EQ(chosen({"echo"}, {"h2", "http/1.1"}), "<none>");
  EXPECT_EQ(chosen({"ech"}, {"echo"}), "<none>") << "whole names only";
}

TEST(TlsAlpn, WithNoneConfiguredTheClientsFirstIsAccepted) {
  EXPECT_EQ(chosen({}, {"x-custom", "h2"}), "x-custom");
}

TEST(TlsAlpn, AMalformedOfferChoosesNothing) {
  const std::vector<unsigned char> ours = wire({"echo"});
  const std::vector<unsigned char> truncated{4, 'e', 'c'};
  EXPECT_FALSE(choose_alpn(ours, truncated));
  EXPECT_FALSE(choose_alpn({}, truncated));
  const std::vector<unsigned char> empty_name{0, 4, 'e', 'c', 'h', 'o'};
  EXPECT_FALSE(choose_alpn(ours, empty_name));
}

Connection alpn_handshake(const std::vector<std::string>& ours,
                          const std::vector<std::string>& offered) {
  TlsServerConfig server = server_config();
  server.alpn = ours;
  TlsClientConfig client = client_config();
  client.alpn = offered;
  return connect_pair(make_server(server), make_client(client));
}

TEST(TlsAlpn, HandshakeAgreesOnOurPreference) {
  Connection c = alpn_handshake({"echo", "h2"}, {"h2", "echo"});
  ASSERT_TRUE(c.server.handshake_done()) << c.server.error();
  EXPECT_EQ(c.server.alpn(), "echo");
  EXPECT_EQ(c.client.alpn(), "echo");
}

TEST(TlsAlpn, HandshakeAcceptsAnyOfferWhenNoneIsConfigured) {
  Connection c = alpn_handshake({}, {"x-custom", "h2"});
  ASSERT_TRUE(c.server.handshake_done()) << c.server.error();
  EXPECT_EQ(c.server.alpn(), "x-custom");
  EXPECT_EQ(c.client.alpn(), "x-custom");
}

TEST(TlsAlpn, HandshakeWithoutAnOfferHasNoProtocol) {
  Connection c = alpn_handshake({"echo"}, {});
  ASSERT_TRUE(c.server.handshake_done()) << c.server.error();
  EXPECT_EQ(c.server.alpn(), "");
  EXPECT_EQ(c.client.alpn(), "");
}

TEST(TlsAlpn, NothingInCommonFailsWithNoApplicationProtocol) {
  Connection c = alpn_handshake({"echo"}, {"h2", "http/1.1"});
  EXPECT_TRUE(c.server.failed());
  EXPECT_EQ(c.server.error(), "no application protocol");
  EXPECT_TRUE(c.client.failed());
  EXPECT_EQ(c.client.error(), "tlsv1 alert no application protocol");
}

}  // namespace
}  // namespace echo::tls::test
