#include "net/address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace echo::net {

std::uint16_t Address::port() const noexcept {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
  if (family() == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
  return 0;
}

void Address::set_port(std::uint16_t port) noexcept {
  if (family() == AF_INET) reinterpret_cast<sockaddr_in*>(&storage)->sin_port = htons(port);
  if (family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port = htons(port);
}

std::string Address::to_string() const {
  char host[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&storage);
    ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    std::string text(host);
    text.append(":").append(std::to_string(port()));
    return text;
  }
  if (family() == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    std::string text("[");
    text.append(host).append("]:").append(std::to_string(port()));
    return text;
  }
  return "?";
}

namespace {

bool fail(std::string* error, std::string_view text, const char* why) {
  if (error) *error = "invalid address '" + std::string(text) + "': " + why;
  return false;
}

}  // namespace

std::optional<Address> parse_address(std::string_view text, std::string* error) {
  std::string_view host;
  std::string_view port_text;
  bool bracketed = false;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      fail(error, text, "expected [IPV6]:PORT");
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
    bracketed = true;
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      fail(error, text, "expected HOST:PORT");
      return std::nullopt;
    }
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      fail(error, text, "an IPv6 address must be written in brackets, as [::1]:7878");
      return std::nullopt;
    }
  }

  unsigned port = 0;
  const auto* end = port_text.data() + port_text.size();
  const auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
  if (port_text.empty() || ec != std::errc() || ptr != end || port > 65535) {
    fail(error, text, "the port must be a number from 0 to 65535");
    return std::nullopt;
  }

  Address address;
  const std::string host_z(host == "localhost" ? std::string_view("127.0.0.1") : host);
  if (!bracketed) {
    auto* in = reinterpret_cast<sockaddr_in*>(&address.storage);
    if (::inet_pton(AF_INET, host_z.c_str(), &in->sin_addr) != 1) {
      fail(error, text, "the host must be a numeric IPv4 address, or IPv6 in brackets");
      return std::nullopt;
    }
    in->sin_family = AF_INET;
    address.length = sizeof(sockaddr_in);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
    if (::inet_pton(AF_INET6, host_z.c_str(), &in6->sin6_addr) != 1) {
      fail(error, text, "not a valid IPv6 address");
      return std::nullopt;
    }
    in6->sin6_family = AF_INET6;
    address.length = sizeof(sockaddr_in6);
  }
  address.set_port(static_cast<std::uint16_t>(port));
  return address;
}

std::optional<Address> local_address(int fd) {
  Address address;
  address.length = sizeof address.storage;
  if (::getsockname(fd, address.sa(), &address.length) != 0) return std::nullopt;
  return address;
}

std::optional<Address> peer_address(int fd) {
  Address address;
  address.length = sizeof address.storage;
  if (::getpeername(fd, address.sa(), &address.length) != 0) return std::nullopt;
  return address;
}

}  // namespace echo::net
