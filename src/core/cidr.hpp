// IP addresses as admission compares them, and CIDR blocks ("10.0.0.0/8",
// "2001:db8::/32"; a bare address is one host). An IPv4-mapped IPv6 address
// (::ffff:a.b.c.d, how a dual-stack socket reports an IPv4 client) is IPv4
// here, for peers and for rules alike, so one rule covers both ways in.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "net/peer.hpp"

namespace echo {

enum class IpFamily : std::uint8_t { v4, v6 };

struct IpAddress {
  IpFamily family = IpFamily::v4;
  std::array<std::uint8_t, 16> bytes{};  // network order; IPv4 in the first 4

  [[nodiscard]] unsigned bits() const noexcept { return family == IpFamily::v4 ? 32 : 128; }
  // The address with every bit past the first prefix_bits cleared.
  [[nodiscard]] IpAddress masked(unsigned prefix_bits) const noexcept;
  [[nodiscard]] std::string to_string() const;
  bool operator==(const IpAddress&) const = default;
};

// The IP a peer connected from; nullopt for a peer that is not IP (a Unix
// socket) or whose address is unknown.
std::optional<IpAddress> ip_of(const net::PeerAddress& peer) noexcept;

struct Cidr {
  IpAddress network;  // host bits are zero (parse_cidr rejects anything else)
  unsigned prefix_bits = 0;

  [[nodiscard]] bool contains(const IpAddress& ip) const noexcept {
    return ip.family == network.family && ip.masked(prefix_bits) == network;
  }
  [[nodiscard]] std::string to_string() const;  // "10.0.0.0/8"
};

// Parses "ADDR/BITS" or a bare "ADDR" (/32 or /128). A block with host bits set
// ("10.0.0.1/8") is rejected rather than silently widened: it is more often a
// typo for a host than a wish for the whole network. Returns nullopt and sets
// *error to a one-line reason on failure.
std::optional<Cidr> parse_cidr(std::string_view text, std::string* error = nullptr);

}  // namespace echo
