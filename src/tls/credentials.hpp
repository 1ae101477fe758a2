// Loading PEM files into an SSL_CTX, with errors that name the file and say
// what is wrong with it: a certificate chain with its private key (a server's,
// or a client's for mutual TLS) and a file of trusted CA certificates.
// Start-up and reload work, never on a connection's path.
#pragma once

#include <string>

#include "tls/errors.hpp"
#include "tls/handles.hpp"

namespace echo::tls {

// Loads cert_file (the leaf first, then its chain, all of which is sent) and
// key_file into ctx, and checks that the key is the certificate's. Encrypted
// keys are refused rather than prompting for a passphrase.
bool load_certificate_and_key(SSL_CTX* ctx, const std::string& cert_file,
                              const std::string& key_file, TlsConfigError* error);

// Trusts the CA certificates in ca_file for verifying the peer; with
// name_them, also sends their names in a server's CertificateRequest (which
// certificates a client should pick from).
bool load_trusted_cas(SSL_CTX* ctx, const std::string& ca_file, bool name_them,
                      TlsConfigError* error);

}  // namespace echo::tls
