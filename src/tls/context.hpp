// A TLS configuration made ready to use: OpenSSL's SSL_CTX with the
// certificate, the versions and ciphers, ALPN, client authentication and
// session tickets set. One server context serves every loop (SSL_CTX is
// thread-safe to create sessions from); a SIGHUP reload makes a new one, and
// sessions already made keep the one they started with. The client side
// (echo-client, echo-bench) makes one the same way.
//
// Creation is start-up or reload work and reports what is wrong as a value
// (TlsConfigError: a file problem or a configuration problem); a TlsContext
// that exists is good. It is a shared handle: copies name the same context,
// and each TlsSession keeps one, so a context outlives its handshakes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tls/errors.hpp"
#include "tls/handles.hpp"
#include "tls/ticket_keys.hpp"

namespace echo::tls {

enum class TlsClientAuth : std::uint8_t {
  none,      // no client certificate is asked for
  optional,  // asked for; a client without one is served, a bad one is refused
  required,  // a client without a good certificate fails the handshake
};

struct TlsServerConfig {
  std::string cert_file;            // PEM: the leaf first, then its chain, sent whole
  std::string key_file;             // PEM, unencrypted
  std::string min_version = "1.2";  // "1.2" or "1.3"; TLS 1.3 is always allowed
  std::string ciphers;              // TLS 1.2 cipher string; empty: OpenSSL's default
  std::string ciphersuites;         // TLS 1.3 suites, ':'-separated; empty: default
  // Our protocols in order of preference; empty: whatever the client offers
  // first is accepted (tls/alpn.hpp).
  std::vector<std::string> alpn;
  std::string client_ca_file;                       // the CAs client certificates must chain to
  TlsClientAuth client_auth = TlsClientAuth::none;  // not none: needs client_ca_file
  bool session_tickets = true;                      // resumption by tickets (tls/ticket_keys.hpp)
};

struct TlsClientConfig {
  bool verify_peer = true;  // false: any certificate is accepted (--tls-insecure)
  std::string ca_file;      // the CAs the server's chain must reach; empty: the system's
  std::string min_version = "1.2";
  std::string max_version;  // "1.2" or "1.3"; empty: the newest
  std::string ciphers;
  std::string ciphersuites;
  std::vector<std::string> alpn;  // offered, in order of preference
  std::string cert_file;          // a client certificate for mutual TLS, with...
  std::string key_file;           // ...its key; both or neither
};

class TlsContext {
 public:
  // ticket_keys: shared by every context of the server (null: a new set when
  // tickets are on). One line in *error when it fails.
  static std::optional<TlsContext> create_server(const TlsServerConfig& config,
                                                 std::shared_ptr<TicketKeys> ticket_keys,
                                                 TlsConfigError* error);
  static std::optional<TlsContext> create_client(const TlsClientConfig& config,
                                                 TlsConfigError* error);

  bool is_server() const noexcept;
  // Whether a client context checks the server's certificate (and then its
  // name, when TlsSession::connect is given one).
  bool verifies_peer() const noexcept;
  // The keys sealing this server's tickets; null for a client or with
  // tickets off.
  const std::shared_ptr<TicketKeys>& ticket_keys() const noexcept;
  SSL_CTX* native_handle() const noexcept;

 private:
  struct Shared;
  explicit TlsContext(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

  std::shared_ptr<Shared> shared_;
};

}  // namespace echo::tls
