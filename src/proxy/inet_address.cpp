// sockaddr_in / sockaddr_in6 from network-order bytes, every other field zero.
#include "proxy/inet_address.hpp"

#include <netinet/in.h>

#include <cstring>

namespace echo::proxy {

net::Address make_inet_address(std::span<const std::uint8_t> address, std::uint16_t port) {
  net::Address out;
  if (address.size() == ipv4_bytes) {
    auto* in = reinterpret_cast<sockaddr_in*>(&out.storage);
    in->sin_family = AF_INET;
    std::memcpy(&in->sin_addr, address.data(), ipv4_bytes);
    out.length = sizeof(sockaddr_in);
  } else if (address.size() == ipv6_bytes) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
    in6->sin6_family = AF_INET6;
    std::memcpy(&in6->sin6_addr, address.data(), ipv6_bytes);
    out.length = sizeof(sockaddr_in6);
  }
  out.set_port(port);
  return out;
}

}  // namespace echo::proxy
