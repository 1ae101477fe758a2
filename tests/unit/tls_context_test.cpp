// Making TLS contexts (tls/context.hpp): what a good configuration sets, and
// the one-line error, with its kind, for each thing that can be wrong -- a
// missing, unreadable, empty or non-PEM file (kind file), a key that is not
// the certificate's, a bad version, cipher string or ALPN name (kind config).
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "tls/context.hpp"
#include "tls_pair.hpp"

namespace echo::tls::test {
namespace {

using Kind = TlsConfigError::Kind;

TlsConfigError server_error(const TlsServerConfig& config) {
  TlsConfigError error;
  EXPECT_FALSE(TlsContext::create_server(config, nullptr, &error));
  return error;
}

TlsConfigError client_error(const TlsClientConfig& config) {
  TlsConfigError error;
  EXPECT_FALSE(TlsContext::create_client(config, &error));
  return error;
}

std::string write_file(const std::string& name, const std::string& content) {
  const std::string path = certs().file(name);
  std::ofstream(path) << content;
  return path;
}

TEST(TlsContext, AGoodServerConfiguration) {
  TlsConfigError error;
  const auto context = TlsContext::create_server(server_config(), nullptr, &error);
  ASSERT_TRUE(context) << error.message;
  EXPECT_TRUE(context->is_server());
  ASSERT_NE(context->ticket_keys(), nullptr);
  SSL_CTX* ctx = context->native_handle();
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
  EXPECT_TRUE(SSL_CTX_get_mode(ctx) & SSL_MODE_RELEASE_BUFFERS);
  EXPECT_TRUE(SSL_CTX_get_options(ctx) & SSL_OP_NO_RENEGOTIATION);
  EXPECT_EQ(SSL_CTX_get_verify_mode(ctx), SSL_VERIFY_NONE);
}

TEST(TlsContext, MinimumVersion13RefusesATls12Client) {
  TlsServerConfig config = server_config();
  config.min_version = "1.3";
  TlsClientConfig client = client_config();
  client.max_version = "1.2";
  Connection c = connect_pair(make_server(config), make_client(client));
  EXPECT_TRUE(c.server.failed());
  EXPECT_EQ(c.server.error(), "unsupported protocol");
  EXPECT_TRUE(c.client.failed());
  EXPECT_EQ(c.client.error(), "tlsv1 alert protocol version");
}

TEST(TlsContext, ChosenCiphersAreUsed) {
  TlsServerConfig config = server_config();
  config.ciphersuites = "TLS_CHACHA20_POLY1305_SHA256";
  config.ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256";
  Connection c13 = connect_pair(make_server(config), make_client());
  ASSERT_TRUE(c13.server.handshake_done()) << c13.server.error();
  EXPECT_EQ(c13.server.cipher(), "TLS_CHACHA20_POLY1305_SHA256");
  TlsClientConfig client = client_config();
  client.max_version = "1.2";
  Connection c12 = connect_pair(make_server(config), make_client(client));
  ASSERT_TRUE(c12.server.handshake_done()) << c12.server.error();
  EXPECT_EQ(c12.server.cipher(), "ECDHE-ECDSA-AES128-GCM-SHA256");
}

TEST(TlsContext, AMissingCertificateFileIsAFileError) {
  TlsServerConfig config = server_config();
  config.cert_file = certs().file("missing.pem");
  const TlsConfigError error = server_error(config);
  EXPECT_EQ(error.kind, Kind::file);
  EXPECT_EQ(error.message,
            "cannot read certificate file " + config.cert_file + ": No such file or directory");
}

TEST(TlsContext, AMissingKeyFileIsAFileError) {
  TlsServerConfig config = server_config();
  config.key_file = certs().file("missing-key.pem");
  const TlsConfigError error = server_error(config);
  EXPECT_EQ(error.kind, Kind::file);
  EXPECT_EQ(error.message,
            "cannot read private key file " + config.key_file + ": No such file or directory");
}

TEST(TlsContext, ADirectoryIsNotACertificateFile) {
  TlsServerConfig config = server_config();
  config.cert_file = certs().dir;
  const TlsConfigError error = server_error(config);
  EXPECT_EQ(error.kind, Kind::file);
  EXPECT_EQ(error.message, "cannot read certificate file " + certs().dir + ": Is a directory");
}

TEST(TlsContext, AnUnreadableKeyFileIsAFileError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
  const std::string path = write_file("unreadable-key.pem", "secret");
  ASSERT_EQ(::chmod(path.c_str(), 0), 0);
  TlsServerConfig config = server_config();
  config.key_file = path;
  const TlsConfigError error = server_error(config);
  EXPECT_EQ(error.kind, Kind::file);
  EXPECT_EQ(error.message, "cannot read private key file " + path + ": Permission denied");
}

TEST(TlsContext, AnEmptyCertificateFileIsAFileError) {
  TlsServerConfig config = server_config();
  config.cert_file = write_file("empty.pem", "");
  const TlsConfigError error = server_error(config);
  EXPECT_EQ(error.kind, Kind::file);
  EXPECT_EQ(error.message, "certificate file " + config.cert_file + " is empty");
}

TEST(TlsContext, AFileWithoutPemIsAFileError) {
  TlsServerConfig config = server_config();
  config.cert_file = write_file("garbage.pem", "not a certificate\n");
  TlsConfigError error = server_error(config);
  EXPECT_EQ(error.kind, Kind::file);
  EXPECT_EQ(error.message,
            "cannot load a certificate chain from " + config.cert_file + ": no start line");

  config = server_config();
  config.key_file = certs().server.cert;  // a certificate where the key should be
  error = server_error(config);
  EXPECT_EQ(error.kind, Kind::file);
  EXPECT_EQ(error.message.rfind("cannot load a private key from " + config.key_file + ": ", 0), 0u)
      << error.message;
}

TEST(TlsContext, AKeyThatIsNotTheCertificatesIsAConfigError) {
  TlsServerConfig config = server_config();
  config.key_file = certs().client.key;
  const TlsConfigError error = server_error(config);
  EXPECT_EQ(error.kind, Kind::config);
  EXPECT_EQ(error.message,
            "private key " + config.key_file + " does not match certificate " + config.cert_file);
}

TEST(TlsContext, BadVersionsAreConfigErrors) {
  TlsServerConfig config = server_config();
  config.min_version = "1.1";
  TlsConfigError error = server_error(config);
  EXPECT_EQ(error.kind, Kind::config);
  EXPECT_EQ(error.message, "bad TLS minimum version '1.1' (1.2 or 1.3)");

  TlsClientConfig client = client_config();
  client.max_version = "TLSv1.3";
  error = client_error(client);
  EXPECT_EQ(error.kind, Kind::config);
  EXPECT_EQ(error.message, "bad TLS maximum version 'TLSv1.3' (1.2 or 1.3)");
}

TEST(TlsContext, CipherStringsMatchingNothingAreConfigErrors) {
  TlsServerConfig config = server_config();
  config.ciphers = "NOPE";
  TlsConfigError error = server_error(config);
  EXPECT_EQ(error.kind, Kind::config);
  EXPECT_EQ(error.message, "no TLS 1.2 cipher matches 'NOPE'");

  config = server_config();
  config.ciphersuites = "TLS_AES_128_GCM_SHA256:TLS_NOPE";
  error = server_error(config);
  EXPECT_EQ(error.kind, Kind::config);
  EXPECT_EQ(error.message, "unknown TLS 1.3 ciphersuite 'TLS_NOPE'");
}

TEST(TlsContext, MissingPiecesAreConfigErrors) {
  TlsServerConfig config;
  TlsConfigError error = server_error(config);
  EXPECT_EQ(error.kind, Kind::config);
  EXPECT_EQ(error.message, "a TLS server needs a certificate file and a private key file");

  config = server_config();
  config.client_auth = TlsClientAuth::required;
  error = server_error(config);
  EXPECT_EQ(error.kind, Kind::config);
  EXPECT_EQ(error.message, "client certificate authentication needs a client CA file");

  config = server_config();
  config.alpn = {"echo", ""};
  error = server_error(config);
  EXPECT_EQ(error.kind, Kind::config);
  EXPECT_EQ(error.message, "bad ALPN protocol name '' (1 to 255 bytes)");

  TlsClientConfig client = client_config();
  client.cert_file = certs().client.cert;
  error = client_error(client);
  EXPECT_EQ(error.kind, Kind::config);
  EXPECT_EQ(error.message, "a client certificate needs both a certificate file and a key file");
}

TEST(TlsContext, CaFileProblemsAreFileErrors) {
  TlsServerConfig config = server_config();
  config.client_auth = TlsClientAuth::optional;
  config.client_ca_file = certs().file("missing-ca.pem");
  TlsConfigError error = server_error(config);
  EXPECT_EQ(error.kind, Kind::file);
  EXPECT_EQ(error.message,
            "cannot read CA file " + config.client_ca_file + ": No such file or directory");

  TlsClientConfig client = client_config();
  client.ca_file = write_file("garbage-ca.pem", "no certificates here\n");
  error = client_error(client);
  EXPECT_EQ(error.kind, Kind::file);
  EXPECT_EQ(error.message.rfind("cannot load CA certificates from " + client.ca_file + ": ", 0), 0u)
      << error.message;
}

}  // namespace
}  // namespace echo::tls::test
