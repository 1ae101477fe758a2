// Session resumption by tickets (tls/ticket_keys.hpp): a second connection
// offering the first one's session resumes on TLS 1.2 and 1.3, on another
// context sharing the keys (another loop, or after a reload), across one key
// rotation but not two, and never with tickets off.
#include <gtest/gtest.h>

#include "tls/ticket_keys.hpp"
#include "tls_pair.hpp"

namespace echo::tls::test {
namespace {

TlsClientConfig client_up_to(const std::string& max_version) {
  TlsClientConfig config = client_config();
  config.max_version = max_version;
  return config;
}

// A full connection that ends with the client holding its ticket: TLS 1.3
// tickets come after the handshake, so the client reads once.
SslSessionPtr first_session(const TlsContext& server, const TlsContext& client) {
  Connection c = connect_pair(server, client);
  EXPECT_TRUE(c.client.handshake_done()) << c.client.error();
  EXPECT_FALSE(c.client.resumed());
  std::vector<std::byte> none;
  EXPECT_EQ(read_all(c.client, none), ReadStatus::want_more);
  return c.client.saved_session();
}

bool resumes(const TlsContext& server, const TlsContext& client, const SslSessionPtr& saved) {
  Connection c = connect_pair(server, client, "localhost", &saved);
  EXPECT_TRUE(c.server.handshake_done()) << c.server.error();
  EXPECT_TRUE(c.client.handshake_done()) << c.client.error();
  EXPECT_EQ(c.server.resumed(), c.client.resumed());
  const std::vector<std::byte> data = bytes_of("after resumption");
  EXPECT_EQ(echo_through(c.server, c.client, data).echoed, data);
  return c.server.resumed();
}

TEST(TlsResumption, ATicketResumesTheSession) {
  for (const char* version : {"1.2", "1.3"}) {
    SCOPED_TRACE(version);
    const TlsContext server = make_server();
    const TlsContext client = make_client(client_up_to(version));
    const SslSessionPtr saved = first_session(server, client);
    ASSERT_TRUE(saved);
    EXPECT_TRUE(resumes(server, client, saved));
  }
}

TEST(TlsResumption, AnotherContextWithTheSameKeysResumesIt) {
  const auto keys = std::make_shared<TicketKeys>();
  const TlsContext first_loop = make_server(server_config(), keys);
  const TlsContext second_loop = make_server(server_config(), keys);
  EXPECT_EQ(first_loop.ticket_keys(), keys);
  const TlsContext client = make_client();
  const SslSessionPtr saved = first_session(first_loop, client);
  ASSERT_TRUE(saved);
  EXPECT_TRUE(resumes(second_loop, client, saved));
  // A context with keys of its own cannot open the ticket: a full handshake.
  EXPECT_FALSE(resumes(make_server(), client, saved));
}

TEST(TlsResumption, ATicketOutlivesOneRotationButNotTwo) {
  for (const char* version : {"1.2", "1.3"}) {
    SCOPED_TRACE(version);
    const auto keys = std::make_shared<TicketKeys>();
    const TlsContext server = make_server(server_config(), keys);
    const TlsContext client = make_client(client_up_to(version));
    const SslSessionPtr saved = first_session(server, client);
    ASSERT_TRUE(saved);
    keys->rotate();
    EXPECT_TRUE(resumes(server, client, saved)) << "the previous key still opens it";
    keys->rotate();
    EXPECT_FALSE(resumes(server, client, saved)) << "its key is gone";
  }
}

TEST(TlsResumption, MutualTlsSessionsResumeWithTheClientsSubject) {
  TlsServerConfig config = server_config();
  config.client_ca_file = certs().ca;
  config.client_auth = TlsClientAuth::required;
  const TlsContext server = make_server(config);
  TlsClientConfig client_conf = client_config();
  client_conf.cert_file = certs().client.cert;
  client_conf.key_file = certs().client.key;
  const TlsContext client = make_client(client_conf);
  const SslSessionPtr saved = first_session(server, client);
  ASSERT_TRUE(saved);
  Connection c = connect_pair(server, client, "localhost", &saved);
  ASSERT_TRUE(c.server.handshake_done()) << c.server.error();
  EXPECT_TRUE(c.server.resumed());
  EXPECT_EQ(c.server.peer_subject(), "CN=echo test client,O=echo tests");
}

TEST(TlsResumption, NoTicketsNoResumption) {
  for (const char* version : {"1.2", "1.3"}) {
    SCOPED_TRACE(version);
    TlsServerConfig config = server_config();
    config.session_tickets = false;
    const TlsContext server = make_server(config);
    EXPECT_EQ(server.ticket_keys(), nullptr);
    const TlsContext client = make_client(client_up_to(version));
    const SslSessionPtr saved = first_session(server, client);
    if (saved) {
      EXPECT_FALSE(resumes(server, client, saved));
    }
  }
}

TEST(TlsTicketKeys, RotationKeepsThePreviousKeyForOpeningOnly) {
  TicketKeys keys;
  const TicketKey first = keys.sealing_key();
  bool current = false;
  ASSERT_TRUE(keys.opening_key(first.name, &current));
  EXPECT_TRUE(current);
  keys.rotate();
  const TicketKey second = keys.sealing_key();
  EXPECT_NE(first.name, second.name);
  EXPECT_NE(first.aes_key, second.aes_key);
  const auto reopened = keys.opening_key(first.name, &current);
  ASSERT_TRUE(reopened);
  EXPECT_FALSE(current);
  EXPECT_EQ(reopened->hmac_key, first.hmac_key);
  keys.rotate();
  EXPECT_FALSE(keys.opening_key(first.name, &current));
  EXPECT_TRUE(keys.opening_key(second.name, &current));
  EXPECT_FALSE(current);
}

TEST(TlsTicketKeys, TheSealingKeyRotatesByItselfAfterTheInterval) {
  TicketKeys keys(std::chrono::seconds(0));  // every use is a whole interval later
  const TicketKey first = keys.sealing_key();
  const TicketKey second = keys.sealing_key();
  EXPECT_NE(first.name, second.name);
  EXPECT_EQ(keys.rotation_interval(), std::chrono::seconds(0));
}

}  // namespace
}  // namespace echo::tls::test
