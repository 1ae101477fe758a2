// The keys that seal TLS session tickets (RFC 5077; TLS 1.3 resumption too):
// one object for the whole server, shared by every loop's context and kept
// across a SIGHUP reload, so a ticket issued by one loop resumes on any other
// and survives a certificate change.
//
// A new key seals tickets for `rotation_interval`, then the next one takes
// over; the one before is kept for opening tickets only (OpenSSL then issues
// the client a fresh ticket), so a ticket stays usable for one to two
// intervals and a key never lives longer than two. Keys come from the
// process's private random generator and are never written anywhere.
// Thread-safe: a mutex guards the two keys; each use copies one (80 bytes).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>

#include "tls/handles.hpp"

namespace echo::tls {

struct TicketKey {
  std::array<unsigned char, 16> name{};      // sent in the clear inside each ticket
  std::array<unsigned char, 32> aes_key{};   // AES-256-CBC
  std::array<unsigned char, 32> hmac_key{};  // HMAC-SHA256
};

class TicketKeys {
 public:
  static constexpr std::chrono::seconds kDefaultRotation{3600};

  // Throws std::runtime_error when the random generator fails (start-up only).
  explicit TicketKeys(std::chrono::seconds rotation_interval = kDefaultRotation);

  std::chrono::seconds rotation_interval() const noexcept { return interval_; }

  // The key to seal a new ticket with, rotating first when the current one has
  // sealed for a whole interval.
  TicketKey sealing_key();
  // The key a ticket names, if still kept; *current false for the previous
  // key, whose tickets the client should replace.
  std::optional<TicketKey> opening_key(std::span<const unsigned char, 16> name, bool* current);

  // Rotates now (tests; an operator's "forget the old key" would call it
  // twice). A random failure keeps the current key.
  void rotate();

  // Makes ctx seal and open its tickets with keys (SSL_CTX ex data plus
  // SSL_CTX_set_tlsext_ticket_key_evp_cb). keys must outlive ctx's handshakes.
  static void install(SSL_CTX* ctx, TicketKeys& keys);

 private:
  void rotate_locked(std::chrono::steady_clock::time_point now);

  std::mutex mutex_;
  TicketKey current_;
  std::optional<TicketKey> previous_;
  std::chrono::steady_clock::time_point current_since_;
  std::chrono::seconds interval_;
};

}  // namespace echo::tls
