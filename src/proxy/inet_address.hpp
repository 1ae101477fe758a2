// The one way v1 and v2 decoding turn raw IP bytes into a net::Address.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "net/address.hpp"

namespace echo::proxy {

inline constexpr std::size_t ipv4_bytes = 4;
inline constexpr std::size_t ipv6_bytes = 16;

// A sockaddr_in from 4 bytes or a sockaddr_in6 from 16, in network order, with
// its port; any other size gives an empty Address.
net::Address make_inet_address(std::span<const std::uint8_t> address, std::uint16_t port);

}  // namespace echo::proxy
