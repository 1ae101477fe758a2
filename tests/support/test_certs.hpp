// Certificates for the TLS tests, made at test time with OpenSSL's API (no
// openssl command, nothing checked in to expire): a CA; server certificates
// for localhost, 127.0.0.1 and ::1 (one signed by the CA, one by an
// intermediate with the chain in its file, one expired, one for the wrong
// name); a client certificate signed by the CA; and an unrelated second CA
// with a client of its own. All keys ECDSA P-256, all files PEM in one
// temporary directory that is removed when the test binary exits.
#pragma once

#include <string>

namespace echo::test {

struct CertFiles {
  std::string cert;  // the certificate (and for a chain, its intermediate after it)
  std::string key;   // its private key, unencrypted
};

struct TestCerts {
  // Made on first use (a few milliseconds), once per test binary. Throws
  // std::runtime_error when OpenSSL or the file system fails.
  static const TestCerts& shared();

  std::string dir;         // where every file is
  std::string ca;          // "echo test CA": what clients and servers trust
  CertFiles server;        // CN=localhost, SAN localhost/127.0.0.1/::1, signed by ca
  CertFiles server_chain;  // the same names, signed by an intermediate under ca
  CertFiles expired;       // like server, but expired yesterday
  CertFiles wrong_name;    // SAN wrong.example only, signed by ca
  CertFiles client;        // CN=echo test client, clientAuth, signed by ca
  std::string other_ca;    // "other test CA", unrelated to ca
  CertFiles other_client;  // a client certificate signed by other_ca

  std::string file(const std::string& name) const { return dir + "/" + name; }
};

}  // namespace echo::test
