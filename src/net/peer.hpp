// A peer address in 20 bytes instead of sockaddr_storage's 128, kept by every
// connection for its close log line (getpeername fails after a reset).
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
  [[nodiscard]] std::string to_string() const;

 private:
  std::array<std::uint8_t, 16> bytes_{};
  std::uint16_t port_ = 0;
  std::uint8_t family_ = 0;
};

}  // namespace echo::net
