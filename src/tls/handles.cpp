#include "tls/handles.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace echo::tls {

void SslCtxFree::operator()(SSL_CTX* ctx) const noexcept {
  SSL_CTX_free(ctx);
}
void SslFree::operator()(SSL* ssl) const noexcept {
  SSL_free(ssl);
}
void SslSessionFree::operator()(SSL_SESSION* session) const noexcept {
  SSL_SESSION_free(session);
}
void BioFree::operator()(BIO* bio) const noexcept {
  BIO_free(bio);
}
void X509Free::operator()(X509* cert) const noexcept {
  X509_free(cert);
}
void EvpPkeyFree::operator()(EVP_PKEY* key) const noexcept {
  EVP_PKEY_free(key);
}

}  // namespace echo::tls
