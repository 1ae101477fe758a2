// A peer address in 24 bytes instead of sockaddr_storage's 128, kept by every
// connection for its close log line (getpeername fails after a reset) and for
// admission (core/admission.hpp), which needs its family and address bytes.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "net/address.hpp"

namespace echo::net {

class PeerAddress {
 public:
  PeerAddress() = default;
  explicit PeerAddress(const Address& address);
  // "127.0.0.1:5555", "[::1]:5555", "[fe80::1%2]:5555" (numeric scope id).
  [[nodiscard]] std::string to_string() const;

  // AF_INET, AF_INET6, or 0 when the address was of another family (or unknown).
  [[nodiscard]] int family() const noexcept { return family_; }
  // The address in network order: 4 bytes for AF_INET, 16 for AF_INET6.
  [[nodiscard]] const std::array<std::uint8_t, 16>& bytes() const noexcept { return bytes_; }
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  [[nodiscard]] std::uint32_t scope_id() const noexcept { return scope_id_; }

 private:
  std::array<std::uint8_t, 16> bytes_{};
  std::uint32_t scope_id_ = 0;
  std::uint16_t port_ = 0;
  std::uint8_t family_ = 0;
};

static_assert(sizeof(PeerAddress) <= 24, "kept by every connection: ConnectionRecord is 48 bytes");

}  // namespace echo::net
