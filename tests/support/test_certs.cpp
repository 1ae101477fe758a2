#include "support/test_certs.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "support/server_process.hpp"

namespace echo::test {
namespace {

template <auto free_function>
struct Free {
  template <class T>
  void operator()(T* pointer) const noexcept {
    free_function(pointer);
  }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Free<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Free<BIO_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, Free<X509_EXTENSION_free>>;

constexpr long kDaySeconds = 24 * 60 * 60;
constexpr const char* kServerNames = "DNS:localhost,IP:127.0.0.1,IP:::1";

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test certificates: ") + what + " failed");
}

enum class Role { ca, server, client };

struct Issued {
  CertPtr cert;
  KeyPtr key;
};

KeyPtr make_key() {
  KeyPtr key(EVP_EC_gen("P-256"));
  check(key != nullptr, "EC key generation");
  return key;
}

void add_extension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  check(extension != nullptr && X509_add_ext(cert, extension.get(), -1) == 1, value);
}

// A certificate for a new key, signed by issuer (null: self-signed), valid
// from `from_days` to `to_days` around now; san: the subjectAltName, if any.
Issued issue(const char* common_name, Role role, const Issued* issuer, const char* san = nullptr,
             long from_days = -1, long to_days = 30) {
  static long serial = 1;
  Issued made{CertPtr(X509_new()), make_key()};
  X509* cert = made.cert.get();
  check(cert != nullptr, "X509_new");
  check(X509_set_version(cert, X509_VERSION_3) == 1, "X509_set_version");
  check(ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++) == 1, "serial");
  check(X509_gmtime_adj(X509_getm_notBefore(cert), from_days * kDaySeconds) != nullptr,
        "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(cert), to_days * kDaySeconds) != nullptr, "notAfter");
  check(X509_set_pubkey(cert, made.key.get()) == 1, "X509_set_pubkey");
  X509_NAME* name = X509_get_subject_name(cert);
  check(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("echo tests"), -1, -1,
                                   0) == 1 &&
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                       reinterpret_cast<const unsigned char*>(common_name), -1, -1,
                                       0) == 1,
        "subject name");
  X509* signer_cert = issuer != nullptr ? issuer->cert.get() : cert;
  EVP_PKEY* signer_key = issuer != nullptr ? issuer->key.get() : made.key.get();
  check(X509_set_issuer_name(cert, X509_get_subject_name(signer_cert)) == 1, "issuer name");

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, signer_cert, cert, nullptr, nullptr, 0);
  add_extension(cert, &ctx, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) add_extension(cert, &ctx, NID_authority_key_identifier, "keyid:always");
  switch (role) {
    case Role::ca:
      add_extension(cert, &ctx, NID_basic_constraints, "critical,CA:TRUE");
      add_extension(cert, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
      break;
    case Role::server:
      add_extension(cert, &ctx, NID_basic_constraints, "critical,CA:FALSE");
      add_extension(cert, &ctx, NID_key_usage, "critical,digitalSignature");
      add_extension(cert, &ctx, NID_ext_key_usage, "serverAuth");
      break;
    case Role::client:
      add_extension(cert, &ctx, NID_basic_constraints, "critical,CA:FALSE");
      add_extension(cert, &ctx, NID_key_usage, "critical,digitalSignature");
      add_extension(cert, &ctx, NID_ext_key_usage, "clientAuth");
      break;
  }
  if (san != nullptr) add_extension(cert, &ctx, NID_subject_alt_name, san);
  check(X509_sign(cert, signer_key, EVP_sha256()) > 0, "X509_sign");
  return made;
}

BioPtr open_for_writing(const std::string& path) {
  BioPtr file(BIO_new_file(path.c_str(), "w"));
  check(file != nullptr, "opening a PEM file");
  return file;
}

// Writes the certificates (the first is the leaf) and returns the path.
std::string write_certs(const std::string& path, const std::vector<const X509*>& certs) {
  BioPtr file = open_for_writing(path);
  for (const X509* cert : certs) {
    check(PEM_write_bio_X509(file.get(), cert) == 1, "writing a certificate");
  }
  return path;
}

std::string write_key(const std::string& path, const EVP_PKEY* key) {
  BioPtr file = open_for_writing(path);
  check(PEM_write_bio_PrivateKey(file.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "writing a key");
  return path;
}

CertFiles write_pair(const TestCerts& certs, const std::string& stem, const Issued& leaf,
                     const X509* intermediate = nullptr) {
  std::vector<const X509*> chain{leaf.cert.get()};
  if (intermediate != nullptr) chain.push_back(intermediate);
  return {write_certs(certs.file(stem + ".pem"), chain),
          write_key(certs.file(stem + "-key.pem"), leaf.key.get())};
}

struct Made {
  SocketDir dir;  // removed (with every file) when the binary exits
  TestCerts certs;
};

std::unique_ptr<Made> make_all() {
  auto made = std::make_unique<Made>();
  check(made->dir.ok(), "making a temporary directory");
  TestCerts& certs = made->certs;
  certs.dir = made->dir.file("");
  certs.dir.pop_back();  // the trailing '/'

  const Issued ca = issue("echo test CA", Role::ca, nullptr, nullptr, -1, 3650);
  certs.ca = write_certs(certs.file("ca.pem"), {ca.cert.get()});
  certs.server = write_pair(certs, "server", issue("localhost", Role::server, &ca, kServerNames));

  const Issued intermediate = issue("echo test intermediate", Role::ca, &ca, nullptr, -1, 3650);
  certs.server_chain = write_pair(certs, "server-chain",
                                  issue("localhost", Role::server, &intermediate, kServerNames),
                                  intermediate.cert.get());
  certs.expired =
      write_pair(certs, "expired", issue("localhost", Role::server, &ca, kServerNames, -2, -1));
  certs.wrong_name = write_pair(certs, "wrong-name",
                                issue("wrong.example", Role::server, &ca, "DNS:wrong.example"));
  certs.client = write_pair(certs, "client", issue("echo test client", Role::client, &ca));

  const Issued other_ca = issue("other test CA", Role::ca, nullptr, nullptr, -1, 3650);
  certs.other_ca = write_certs(certs.file("other-ca.pem"), {other_ca.cert.get()});
  certs.other_client =
      write_pair(certs, "other-client", issue("other test client", Role::client, &other_ca));
  return made;
}

}  // namespace

const TestCerts& TestCerts::shared() {
  static const std::unique_ptr<Made> made = make_all();
  return made->certs;
}

}  // namespace echo::test
