#include "tls/context.hpp"

#include <openssl/ssl.h>

#include <cstring>
#include <new>
#include <string_view>

#include "tls/alpn.hpp"
#include "tls/credentials.hpp"

namespace echo::tls {

struct TlsContext::Shared {
  // Declared before ctx so they outlive it: ctx's callbacks point at them.
  std::shared_ptr<TicketKeys> ticket_keys;
  std::vector<unsigned char> alpn;  // a server's protocols, wire form
  SslCtxPtr ctx;
  bool server = false;
  bool verify_peer = false;
};

namespace {

constexpr unsigned int kModes =
    // OpenSSL frees a connection's record buffers whenever they are empty: an
    // idle connection keeps none (about 34 KiB otherwise).
    SSL_MODE_RELEASE_BUFFERS |
    // Neither matters with our BIO (its writes never fail), but they are the
    // right contract should a retry ever happen: a partial write is reported,
    // and a retry may pass the same bytes from another address.
    SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER;

// Tickets and sessions name the configuration they belong to; needed for
// resumption once client certificates are verified.
constexpr std::string_view kSessionIdContext = "echo-server";

std::optional<TlsContext> fail(TlsConfigError* error, std::string message) {
  *error = {TlsConfigError::Kind::config, std::move(message)};
  return std::nullopt;
}

bool parse_version(const std::string& text, const char* which, int* version,
                   TlsConfigError* error) {
  if (text == "1.2") {
    *version = TLS1_2_VERSION;
  } else if (text == "1.3") {
    *version = TLS1_3_VERSION;
  } else {
    *error = {TlsConfigError::Kind::config,
              "bad TLS " + std::string(which) + " version '" + text + "' (1.2 or 1.3)"};
    return false;
  }
  return true;
}

std::size_t count_tls13_suites(SSL_CTX* ctx) {
  std::size_t count = 0;
  STACK_OF(SSL_CIPHER)* ciphers = SSL_CTX_get_ciphers(ctx);
  for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
    if (std::strcmp(SSL_CIPHER_get_version(sk_SSL_CIPHER_value(ciphers, i)), "TLSv1.3") == 0) {
      ++count;
    }
  }
  return count;
}

// The TLS 1.2 string is OpenSSL's cipher language (names, aliases, !, +,
// @STRENGTH): unknown words are ignored there, so only a string matching
// nothing is an error. TLS 1.3 suites are plain names, and OpenSSL 3.0 skips
// unknown ones silently: each is checked on its own so a typo is reported.
bool set_ciphers(SSL_CTX* ctx, const std::string& ciphers, const std::string& ciphersuites,
                 TlsConfigError* error) {
  if (!ciphers.empty() && SSL_CTX_set_cipher_list(ctx, ciphers.c_str()) != 1) {
    take_openssl_error();
    *error = {TlsConfigError::Kind::config, "no TLS 1.2 cipher matches '" + ciphers + "'"};
    return false;
  }
  if (ciphersuites.empty()) return true;
  std::string_view rest = ciphersuites;
  while (!rest.empty()) {
    const std::size_t colon = rest.find(':');
    const std::string name(rest.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    if (SSL_CTX_set_ciphersuites(ctx, name.c_str()) != 1 || count_tls13_suites(ctx) == 0) {
      take_openssl_error();
      *error = {TlsConfigError::Kind::config, "unknown TLS 1.3 ciphersuite '" + name + "'"};
      return false;
    }
  }
  if (SSL_CTX_set_ciphersuites(ctx, ciphersuites.c_str()) != 1) {
    *error = {TlsConfigError::Kind::config, "bad TLS 1.3 ciphersuites '" + ciphersuites +
                                                "': " + take_openssl_reason("rejected")};
    return false;
  }
  return true;
}

int select_alpn(SSL* /*ssl*/, const unsigned char** out, unsigned char* out_length,
                const unsigned char* offered, unsigned int offered_length, void* ours) {
  const auto& protocols = *static_cast<const std::vector<unsigned char>*>(ours);
  const auto chosen = choose_alpn(protocols, {offered, offered_length});
  if (!chosen) return SSL_TLSEXT_ERR_ALERT_FATAL;  // no_application_protocol
  *out = chosen->data();                           // OpenSSL copies it
  *out_length = static_cast<unsigned char>(chosen->size());
  return SSL_TLSEXT_ERR_OK;
}

SslCtxPtr create_ssl_ctx(const SSL_METHOD* method) {
  SslCtxPtr ctx(SSL_CTX_new(method));
  if (!ctx) throw std::bad_alloc();
  SSL_CTX_set_mode(ctx.get(), kModes);
  // Renegotiation (TLS 1.2) would let a peer restart the handshake mid-stream;
  // nothing here needs it, so it is refused with a warning alert.
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION);
  return ctx;
}

}  // namespace

std::optional<TlsContext> TlsContext::create_server(const TlsServerConfig& config,
                                                    std::shared_ptr<TicketKeys> ticket_keys,
                                                    TlsConfigError* error) {
  int min_version = 0;
  if (!parse_version(config.min_version, "minimum", &min_version, error)) return std::nullopt;
  if (config.cert_file.empty() || config.key_file.empty()) {
    return fail(error, "a TLS server needs a certificate file and a private key file");
  }
  if (config.client_auth != TlsClientAuth::none && config.client_ca_file.empty()) {
    return fail(error, "client certificate authentication needs a client CA file");
  }
  auto shared = std::make_shared<Shared>();
  shared->server = true;
  shared->ctx = create_ssl_ctx(TLS_server_method());
  SSL_CTX* ctx = shared->ctx.get();
  SSL_CTX_set_min_proto_version(ctx, min_version);
  SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (!set_ciphers(ctx, config.ciphers, config.ciphersuites, error)) return std::nullopt;
  if (!load_certificate_and_key(ctx, config.cert_file, config.key_file, error)) {
    return std::nullopt;
  }

  std::string alpn_error;
  std::optional<std::vector<unsigned char>> alpn = encode_alpn(config.alpn, &alpn_error);
  if (!alpn) return fail(error, alpn_error);
  shared->alpn = std::move(*alpn);
  SSL_CTX_set_alpn_select_cb(ctx, select_alpn, &shared->alpn);

  if (config.client_auth != TlsClientAuth::none) {
    if (!load_trusted_cas(ctx, config.client_ca_file, true, error)) return std::nullopt;
    const int mode = config.client_auth == TlsClientAuth::required
                         ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
                         : SSL_VERIFY_PEER;
    SSL_CTX_set_verify(ctx, mode, nullptr);
  }

  SSL_CTX_set_session_id_context(ctx,
                                 reinterpret_cast<const unsigned char*>(kSessionIdContext.data()),
                                 static_cast<unsigned int>(kSessionIdContext.size()));
  // Resumption is by tickets alone: no per-server session cache to bound,
  // share across loops or lock.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (config.session_tickets) {
    shared->ticket_keys = ticket_keys ? std::move(ticket_keys) : std::make_shared<TicketKeys>();
    TicketKeys::install(ctx, *shared->ticket_keys);
    // A ticket is good while its key is kept: one to two rotation intervals.
    SSL_CTX_set_timeout(ctx, static_cast<long>(shared->ticket_keys->rotation_interval().count()));
  } else {
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
  }
  return TlsContext(std::move(shared));
}

std::optional<TlsContext> TlsContext::create_client(const TlsClientConfig& config,
                                                    TlsConfigError* error) {
  int min_version = 0;
  int max_version = 0;  // 0: the newest OpenSSL has
  if (!parse_version(config.min_version, "minimum", &min_version, error)) return std::nullopt;
  if (!config.max_version.empty() &&
      !parse_version(config.max_version, "maximum", &max_version, error)) {
    return std::nullopt;
  }
  if (config.cert_file.empty() != config.key_file.empty()) {
    return fail(error, "a client certificate needs both a certificate file and a key file");
  }
  auto shared = std::make_shared<Shared>();
  shared->ctx = create_ssl_ctx(TLS_client_method());
  shared->verify_peer = config.verify_peer;
  SSL_CTX* ctx = shared->ctx.get();
  SSL_CTX_set_min_proto_version(ctx, min_version);
  SSL_CTX_set_max_proto_version(ctx, max_version);
  if (!set_ciphers(ctx, config.ciphers, config.ciphersuites, error)) return std::nullopt;
  if (config.verify_peer) {
    if (config.ca_file.empty()) {
      SSL_CTX_set_default_verify_paths(ctx);
    } else if (!load_trusted_cas(ctx, config.ca_file, false, error)) {
      return std::nullopt;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  if (!config.cert_file.empty() &&
      !load_certificate_and_key(ctx, config.cert_file, config.key_file, error)) {
    return std::nullopt;
  }
  std::string alpn_error;
  const std::optional<std::vector<unsigned char>> alpn = encode_alpn(config.alpn, &alpn_error);
  if (!alpn) return fail(error, alpn_error);
  // (SSL_CTX_set_alpn_protos returns 0 on success.)
  if (!alpn->empty() &&
      SSL_CTX_set_alpn_protos(ctx, alpn->data(), static_cast<unsigned int>(alpn->size())) != 0) {
    throw std::bad_alloc();
  }
  return TlsContext(std::move(shared));
}

bool TlsContext::is_server() const noexcept {
  return shared_->server;
}
bool TlsContext::verifies_peer() const noexcept {
  return shared_->verify_peer;
}
const std::shared_ptr<TicketKeys>& TlsContext::ticket_keys() const noexcept {
  return shared_->ticket_keys;
}
SSL_CTX* TlsContext::native_handle() const noexcept {
  return shared_->ctx.get();
}

}  // namespace echo::tls
