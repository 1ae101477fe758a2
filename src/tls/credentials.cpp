#include "tls/credentials.hpp"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "net/unique_fd.hpp"

namespace echo::tls {
namespace {

bool fail(TlsConfigError* error, TlsConfigError::Kind kind, std::string message) {
  *error = {kind, std::move(message)};
  return false;
}

// OpenSSL reports a missing file as well, but in its own words and after
// other errors; opening and reading a byte first names the file and its
// errno plainly (a directory opens, then fails the read with EISDIR).
bool check_readable(const std::string& path, const char* what, TlsConfigError* error) {
  int saved_errno = 0;
  const net::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    saved_errno = errno;
  } else {
    char byte;
    ssize_t n;
    do n = ::read(fd.get(), &byte, 1);
    while (n < 0 && errno == EINTR);
    if (n < 0) saved_errno = errno;
    if (n == 0) {
      return fail(error, TlsConfigError::Kind::file, std::string(what) + " " + path + " is empty");
    }
  }
  if (saved_errno == 0) return true;
  return fail(error, TlsConfigError::Kind::file,
              "cannot read " + std::string(what) + " " + path + ": " + std::strerror(saved_errno));
}

int refuse_passphrase(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) {
  return 0;  // no passphrase: an encrypted key fails to load instead of prompting
}

bool is_key_mismatch(const OpensslError& e) {
  return e.library() == ERR_LIB_X509 && (e.reason_code() == X509_R_KEY_VALUES_MISMATCH ||
                                         e.reason_code() == X509_R_KEY_TYPE_MISMATCH);
}

}  // namespace

bool load_certificate_and_key(SSL_CTX* ctx, const std::string& cert_file,
                              const std::string& key_file, TlsConfigError* error) {
  if (!check_readable(cert_file, "certificate file", error) ||
      !check_readable(key_file, "private key file", error)) {
    return false;
  }
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return fail(error, TlsConfigError::Kind::file,
                "cannot load a certificate chain from " + cert_file + ": " +
                    take_openssl_reason("not a PEM certificate"));
  }
  SSL_CTX_set_default_passwd_cb(ctx, refuse_passphrase);
  const std::string mismatch =
      "private key " + key_file + " does not match certificate " + cert_file;
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    const OpensslError cause = take_openssl_error();
    if (is_key_mismatch(cause)) return fail(error, TlsConfigError::Kind::config, mismatch);
    return fail(error, TlsConfigError::Kind::file,
                "cannot load a private key from " + key_file + ": " +
                    (cause.empty() ? std::string("not a PEM private key") : cause.reason));
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    take_openssl_error();
    return fail(error, TlsConfigError::Kind::config, mismatch);
  }
  return true;
}

bool load_trusted_cas(SSL_CTX* ctx, const std::string& ca_file, bool name_them,
                      TlsConfigError* error) {
  if (!check_readable(ca_file, "CA file", error)) return false;
  ERR_clear_error();
  if (SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr) != 1) {
    return fail(error, TlsConfigError::Kind::file,
                "cannot load CA certificates from " + ca_file + ": " +
                    take_openssl_reason("no certificate found"));
  }
  if (name_them) {
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca_file.c_str());
    if (names == nullptr) {
      return fail(error, TlsConfigError::Kind::file,
                  "cannot read CA names from " + ca_file + ": " +
                      take_openssl_reason("no certificate found"));
    }
    SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
  }
  return true;
}

}  // namespace echo::tls
