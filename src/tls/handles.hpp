// Owning handles for the OpenSSL objects this library keeps: unique_ptrs whose
// deleters call the matching *_free, so every SSL_CTX, SSL, SSL_SESSION, BIO,
// X509 and EVP_PKEY has exactly one owner in the types. The deleters live in
// handles.cpp so that a header using them needs only <openssl/types.h>.
#pragma once

#include <openssl/types.h>

#include <memory>

// (<openssl/ssl.h> names it; the same declaration here keeps that header out.)
typedef struct ssl_session_st SSL_SESSION;

namespace echo::tls {

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const noexcept;
};
struct SslFree {
  void operator()(SSL* ssl) const noexcept;
};
struct SslSessionFree {
  void operator()(SSL_SESSION* session) const noexcept;
};
struct BioFree {
  void operator()(BIO* bio) const noexcept;
};
struct X509Free {
  void operator()(X509* cert) const noexcept;
};
struct EvpPkeyFree {
  void operator()(EVP_PKEY* key) const noexcept;
};

using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;
using SslSessionPtr = std::unique_ptr<SSL_SESSION, SslSessionFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;

}  // namespace echo::tls
