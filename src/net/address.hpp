// Socket addresses: parsing "HOST:PORT" / "[V6]:PORT" and printing them back.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace echo::net {

struct Address {
  sockaddr_storage storage{};
  socklen_t length = 0;

  [[nodiscard]] const sockaddr* sa() const noexcept {
    return reinterpret_cast<const sockaddr*>(&storage);
  }
  [[nodiscard]] sockaddr* sa() noexcept { return reinterpret_cast<sockaddr*>(&storage); }
  [[nodiscard]] int family() const noexcept { return storage.ss_family; }
  [[nodiscard]] std::uint16_t port() const noexcept;
  void set_port(std::uint16_t port) noexcept;
  // "127.0.0.1:7878" or "[::1]:7878".
  [[nodiscard]] std::string to_string() const;
};

// Parses a numeric "IPv4:PORT" or "[IPv6]:PORT"; "localhost" is accepted as
// 127.0.0.1. Returns nullopt and sets *error to a one-line reason on failure.
std::optional<Address> parse_address(std::string_view text, std::string* error = nullptr);

// The address the kernel actually bound (for port 0), or the connected peer.
std::optional<Address> local_address(int fd);
std::optional<Address> peer_address(int fd);

}  // namespace echo::net
