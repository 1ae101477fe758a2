#include "tls/errors.hpp"

#include <openssl/err.h>

#include <array>
#include <cstring>

namespace echo::tls {

int OpensslError::library() const noexcept {
  return ERR_GET_LIB(code);
}
int OpensslError::reason_code() const noexcept {
  return ERR_GET_REASON(code);
}

OpensslError take_openssl_error() {
  OpensslError error;
  error.code = ERR_get_error();
  ERR_clear_error();
  if (error.code == 0) return error;
  if (ERR_SYSTEM_ERROR(error.code)) {
    // A failed system call inside OpenSSL (fopen, read): its errno's text.
    error.reason = std::strerror(ERR_GET_REASON(error.code));
  } else if (const char* reason = ERR_reason_error_string(error.code)) {
    error.reason = reason;
  } else {
    // A code without a registered string: OpenSSL's own one-line form.
    std::array<char, 256> text{};
    ERR_error_string_n(error.code, text.data(), text.size());
    error.reason = text.data();
  }
  return error;
}

std::string take_openssl_reason(const char* fallback) {
  OpensslError error = take_openssl_error();
  return error.empty() ? std::string(fallback) : std::move(error.reason);
}

}  // namespace echo::tls
