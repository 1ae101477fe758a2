// OpenSSL's errors as one line of text, and the error type of context set-up.
//
// OpenSSL reports a failure by pushing errors onto a per-thread queue: the
// oldest entry is the cause, those after it are its callers saying they failed
// too. take_openssl_error() takes the oldest, turns it into its reason
// ("certificate verify failed", "no start line", "No such file or directory")
// and empties the queue, so no stale error is blamed on a later call and
// nothing prints a stack of codes.
#pragma once

#include <cstdint>
#include <string>

namespace echo::tls {

struct OpensslError {
  unsigned long code = 0;  // ERR_get_error()'s packed code; 0 when the queue was empty
  std::string reason;      // one line, never empty when code != 0

  bool empty() const noexcept { return code == 0; }
  int library() const noexcept;      // ERR_GET_LIB: ERR_LIB_SSL, ERR_LIB_PEM, ...
  int reason_code() const noexcept;  // ERR_GET_REASON: SSL_R_..., PEM_R_...
};

// Takes the oldest error off this thread's queue and clears the rest.
OpensslError take_openssl_error();

// The reason of the oldest error, or `fallback` when the queue was empty; the
// queue is cleared either way.
std::string take_openssl_reason(const char* fallback);

// Why a TLS context could not be made, as one line naming the problem. The
// kind tells a program its exit status: a file that is missing, unreadable or
// not PEM of the right sort is `file` (echo-server exits 1); values that do not
// go together or cannot be used -- a key that does not match its certificate,
// an unknown version, a cipher string matching nothing -- are `config` (a bad
// option: exit 2).
struct TlsConfigError {
  enum class Kind : std::uint8_t { file, config };
  Kind kind = Kind::config;
  std::string message;
};

}  // namespace echo::tls
