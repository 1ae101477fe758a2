// Certificates in the handshake: the client's checks of the server (name, IP,
// expiry, issuer, a chain sent whole, or none with verification off), the
// server name (SNI) the server sees, and client certificates (mutual TLS)
// required, optional or absent, from the right CA or the wrong one.
#include <gtest/gtest.h>

#include "tls_pair.hpp"

namespace echo::tls::test {
namespace {

TlsServerConfig with_client_auth(TlsClientAuth auth) {
  TlsServerConfig config = server_config();
  config.client_ca_file = certs().ca;
  config.client_auth = auth;
  return config;
}

TlsClientConfig with_client_cert(const echo::test::CertFiles& files,
                                 const std::string& max_version = "") {
  TlsClientConfig config = client_config();
  config.cert_file = files.cert;
  config.key_file = files.key;
  config.max_version = max_version;
  return config;
}

TEST(TlsVerify, ClientChecksTheServerNameAndTheServerSeesItAsSni) {
  Connection c = connect_pair(make_server(), make_client(), "localhost");
  ASSERT_TRUE(c.client.handshake_done()) << c.client.error();
  ASSERT_TRUE(c.server.handshake_done()) << c.server.error();
  EXPECT_EQ(c.server.server_name(), "localhost");
  EXPECT_EQ(c.client.peer_subject(), "CN=localhost,O=echo tests");
  EXPECT_EQ(c.server.peer_subject(), "") << "no client certificate";
}

TEST(TlsVerify, IpLiteralsAreCheckedAgainstTheCertificateAndNotSentAsSni) {
  for (const char* address : {"127.0.0.1", "::1"}) {
    SCOPED_TRACE(address);
    Connection c = connect_pair(make_server(), make_client(), address);
    ASSERT_TRUE(c.client.handshake_done()) << c.client.error();
    ASSERT_TRUE(c.server.handshake_done()) << c.server.error();
    EXPECT_EQ(c.server.server_name(), "");
  }
}

TEST(TlsVerify, AnExpiredCertificateFailsOnTheClient) {
  Connection c = connect_pair(make_server(server_config(certs().expired)), make_client());
  EXPECT_TRUE(c.client.failed());
  EXPECT_EQ(c.client.error(), "certificate verify failed: certificate has expired");
  EXPECT_TRUE(c.server.failed()) << "the client's alert ends the server's handshake too";
  EXPECT_EQ(c.server.error(), "sslv3 alert certificate expired");
}

TEST(TlsVerify, ACertificateForAnotherNameFailsOnTheClient) {
  Connection c = connect_pair(make_server(server_config(certs().wrong_name)), make_client());
  EXPECT_TRUE(c.client.failed());
  EXPECT_EQ(c.client.error(), "certificate verify failed: hostname mismatch");
  EXPECT_TRUE(c.server.failed());
}

TEST(TlsVerify, AServerFromAnUntrustedCaFailsOnTheClient) {
  TlsClientConfig config = client_config();
  config.ca_file = certs().other_ca;
  Connection c = connect_pair(make_server(), make_client(config));
  EXPECT_TRUE(c.client.failed());
  EXPECT_EQ(c.client.error(), "certificate verify failed: unable to get local issuer certificate");
  EXPECT_EQ(c.server.error(), "tlsv1 alert unknown ca");
}

TEST(TlsVerify, TheWholeChainIsSent) {
  // The client trusts the root only: the intermediate must come from the server.
  Connection c = connect_pair(make_server(server_config(certs().server_chain)), make_client());
  EXPECT_TRUE(c.client.handshake_done()) << c.client.error();
  EXPECT_TRUE(c.server.handshake_done()) << c.server.error();
}

TEST(TlsVerify, AnInsecureClientAcceptsAnyCertificate) {
  TlsClientConfig config;
  config.verify_peer = false;
  Connection c = connect_pair(make_server(server_config(certs().expired)), make_client(config),
                              "not-the-name.example");
  EXPECT_TRUE(c.client.handshake_done()) << c.client.error();
  EXPECT_TRUE(c.server.handshake_done()) << c.server.error();
}

TEST(TlsVerify, RequiredClientCertificateIsVerifiedAndItsSubjectKnown) {
  for (const char* version : {"1.2", "1.3"}) {
    SCOPED_TRACE(version);
    Connection c = connect_pair(make_server(with_client_auth(TlsClientAuth::required)),
                                make_client(with_client_cert(certs().client, version)));
    ASSERT_TRUE(c.server.handshake_done()) << c.server.error();
    ASSERT_TRUE(c.client.handshake_done()) << c.client.error();
    EXPECT_EQ(c.server.peer_subject(), "CN=echo test client,O=echo tests");
    const std::vector<std::byte> data = bytes_of("mutual");
    EXPECT_EQ(echo_through(c.server, c.client, data).echoed, data);
  }
}

TEST(TlsVerify, RequiredClientCertificateMissingFailsTheHandshake) {
  {
    SCOPED_TRACE("TLS 1.3: the client finishes first and learns from the alert");
    Connection c =
        connect_pair(make_server(with_client_auth(TlsClientAuth::required)), make_client());
    EXPECT_TRUE(c.server.failed());
    EXPECT_EQ(c.server.error(), "peer did not return a certificate");
    std::vector<std::byte> got;
    EXPECT_EQ(read_all(c.client, got), ReadStatus::failed);
    EXPECT_EQ(c.client.error(), "tlsv13 alert certificate required");
  }
  {
    SCOPED_TRACE("TLS 1.2");
    TlsClientConfig config = client_config();
    config.max_version = "1.2";
    Connection c =
        connect_pair(make_server(with_client_auth(TlsClientAuth::required)), make_client(config));
    EXPECT_EQ(c.server.error(), "peer did not return a certificate");
    EXPECT_TRUE(c.client.failed());
    EXPECT_EQ(c.client.error(), "sslv3 alert handshake failure");
  }
}

TEST(TlsVerify, ClientCertificateFromAnotherCaIsRefused) {
  Connection c = connect_pair(make_server(with_client_auth(TlsClientAuth::required)),
                              make_client(with_client_cert(certs().other_client)));
  EXPECT_TRUE(c.server.failed());
  EXPECT_EQ(c.server.error(), "certificate verify failed: unable to get local issuer certificate");
  std::vector<std::byte> got;
  read_all(c.client, got);
  EXPECT_TRUE(c.client.failed());
  EXPECT_EQ(c.client.error(), "tlsv1 alert unknown ca");
}

TEST(TlsVerify, OptionalClientCertificate) {
  const TlsContext server = make_server(with_client_auth(TlsClientAuth::optional));
  {
    SCOPED_TRACE("without one: served, no subject");
    Connection c = connect_pair(server, make_client());
    EXPECT_TRUE(c.server.handshake_done()) << c.server.error();
    EXPECT_EQ(c.server.peer_subject(), "");
  }
  {
    SCOPED_TRACE("with one: verified, its subject known");
    Connection c = connect_pair(server, make_client(with_client_cert(certs().client)));
    EXPECT_TRUE(c.server.handshake_done()) << c.server.error();
    EXPECT_EQ(c.server.peer_subject(), "CN=echo test client,O=echo tests");
  }
  {
    SCOPED_TRACE("with a bad one: refused");
    Connection c = connect_pair(server, make_client(with_client_cert(certs().other_client)));
    EXPECT_TRUE(c.server.failed());
  }
}

TEST(TlsVerify, NoClientAuthIgnoresTheClientCertificate) {
  Connection c = connect_pair(make_server(), make_client(with_client_cert(certs().client)));
  EXPECT_TRUE(c.server.handshake_done()) << c.server.error();
  EXPECT_EQ(c.server.peer_subject(), "") << "none was asked for";
}

}  // namespace
}  // namespace echo::tls::test
