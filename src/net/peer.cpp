#include "net/peer.hpp"

#include <arpa/inet.h>

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
    scope_id_ = in6->sin6_scope_id;
    family_ = AF_INET6;
  } else if (address.family() == AF_UNIX) {
    family_ = AF_UNIX;  // a Unix client is unnamed: the family is all there is to say
  }
}

std::string PeerAddress::to_string() const {
  char host[INET6_ADDRSTRLEN] = {};
  if (family_ == AF_INET) {
    ::inet_ntop(AF_INET, bytes_.data(), host, sizeof host);
    return std::string(host) + ":" + std::to_string(port_);
  }
  if (family_ == AF_INET6) {
    ::inet_ntop(AF_INET6, bytes_.data(), host, sizeof host);
    std::string text("[");
    text.append(host);
    if (scope_id_ != 0) text.append("%").append(std::to_string(scope_id_));
    return text.append("]:").append(std::to_string(port_));
  }
  if (family_ == AF_UNIX) return "unix";
  return "?";
}

}  // namespace echo::net
