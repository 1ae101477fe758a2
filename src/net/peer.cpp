#include "net/peer.hpp"

#include <cstring>

namespace echo::net {

PeerAddress::PeerAddress(const Address& address) : port_(address.port()) {
  if (address.family() == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address.storage);
    std::memcpy(bytes_.data(), &in->sin_addr, 4);
    family_ = AF_INET;
  } else if (address.family() == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address.storage);
    std::memcpy(bytes_.data(), &in6->sin6_addr, 16);
    family_ = AF_INET6;
  } else if (address.family() == AF_UNIX) {
    family_ = AF_UNIX;  // a Unix client is unnamed: the family is all there is to say
  }
}

std::string PeerAddress::to_string() const {
  Address address;
  if (family_ == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&address.storage);
    in->sin_family = AF_INET;
    std::memcpy(&in->sin_addr, bytes_.data(), 4);
  } else if (family_ == AF_INET6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
    in6->sin6_family = AF_INET6;
    std::memcpy(&in6->sin6_addr, bytes_.data(), 16);
  } else if (family_ == AF_UNIX) {
    return "unix";
  } else {
    return "?";
  }
  address.set_port(port_);
  return address.to_string();
}

}  // namespace echo::net
