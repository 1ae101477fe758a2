#include "tls/ticket_keys.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "tls/errors.hpp"

namespace echo::tls {
namespace {

bool fill_random(TicketKey& key) {
  return RAND_bytes(key.name.data(), static_cast<int>(key.name.size())) == 1 &&
         RAND_priv_bytes(key.aes_key.data(), static_cast<int>(key.aes_key.size())) == 1 &&
         RAND_priv_bytes(key.hmac_key.data(), static_cast<int>(key.hmac_key.size())) == 1;
}

int ticket_keys_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

bool set_hmac_key(EVP_MAC_CTX* hmac, TicketKey& key) {
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, key.hmac_key.data(),
                                        key.hmac_key.size()),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  return EVP_MAC_CTX_set_params(hmac, params) == 1;
}

// OpenSSL's ticket callback: enc 1 seals a new ticket (fill in name and IV,
// set up cipher and MAC; 1 = done), enc 0 opens one (0 = unknown key, a full
// handshake; 1 = good; 2 = good but issue a new ticket; -1 = fatal).
int handle_ticket_key(SSL* ssl, unsigned char key_name[16], unsigned char iv[EVP_MAX_IV_LENGTH],
                      EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* hmac, int enc) {
  auto* keys =
      static_cast<TicketKeys*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ticket_keys_index()));
  if (keys == nullptr) return -1;
  const EVP_CIPHER* aes = EVP_aes_256_cbc();
  if (enc == 1) {
    TicketKey key = keys->sealing_key();
    const int iv_bytes = EVP_CIPHER_get_iv_length(aes);
    if (RAND_bytes(iv, iv_bytes) != 1) return -1;
    std::memcpy(key_name, key.name.data(), key.name.size());
    if (EVP_EncryptInit_ex(cipher, aes, nullptr, key.aes_key.data(), iv) != 1) return -1;
    return set_hmac_key(hmac, key) ? 1 : -1;
  }
  bool current = false;
  std::optional<TicketKey> key =
      keys->opening_key(std::span<const unsigned char, 16>(key_name, 16), &current);
  if (!key) return 0;
  if (!set_hmac_key(hmac, *key)) return -1;
  if (EVP_DecryptInit_ex(cipher, aes, nullptr, key->aes_key.data(), iv) != 1) return -1;
  return current ? 1 : 2;
}

}  // namespace

TicketKeys::TicketKeys(std::chrono::seconds rotation_interval)
    : current_since_(std::chrono::steady_clock::now()), interval_(rotation_interval) {
  if (!fill_random(current_)) {
    throw std::runtime_error("cannot make a session ticket key: " +
                             take_openssl_reason("random generator failed"));
  }
}

TicketKey TicketKeys::sealing_key() {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  if (now - current_since_ >= interval_) rotate_locked(now);
  return current_;
}

std::optional<TicketKey> TicketKeys::opening_key(std::span<const unsigned char, 16> name,
                                                 bool* current) {
  std::lock_guard lock(mutex_);
  if (std::equal(name.begin(), name.end(), current_.name.begin())) {
    *current = true;
    return current_;
  }
  if (previous_ && std::equal(name.begin(), name.end(), previous_->name.begin())) {
    *current = false;
    return previous_;
  }
  return std::nullopt;
}

void TicketKeys::rotate() {
  std::lock_guard lock(mutex_);
  rotate_locked(std::chrono::steady_clock::now());
}

void TicketKeys::rotate_locked(std::chrono::steady_clock::time_point now) {
  TicketKey next;
  if (!fill_random(next)) {
    take_openssl_error();  // keep sealing with the current key; try again next interval
    current_since_ = now;
    return;
  }
  previous_ = current_;
  current_ = next;
  current_since_ = now;
}

void TicketKeys::install(SSL_CTX* ctx, TicketKeys& keys) {
  SSL_CTX_set_ex_data(ctx, ticket_keys_index(), &keys);
  SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, handle_ticket_key);
}

}  // namespace echo::tls
