// The fixed parts of the v2 binary format that the parser and the encoder share:
// the signature, the version/command byte, the family byte and the size of the
// address block each family needs.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "proxy/header.hpp"

namespace echo::proxy::v2 {

inline constexpr std::array<std::uint8_t, 12> signature = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                                           0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
inline constexpr std::size_t version_command_at = 12;
inline constexpr std::size_t family_at = 13;
inline constexpr std::size_t length_at = 14;
inline constexpr std::uint8_t version = 0x2;  // the high nibble of byte 13
inline constexpr std::uint8_t command_local = 0x0;
inline constexpr std::uint8_t command_proxy = 0x1;
inline constexpr std::size_t tlv_header_bytes = 3;  // type, 16-bit length

// The spec's table of protocol bytes; any other value is invalid.
constexpr std::optional<Family> family_of(std::uint8_t byte) noexcept {
  switch (byte) {
    case 0x00:
      return Family::unspec;
    case 0x11:
      return Family::tcp4;
    case 0x12:
      return Family::udp4;
    case 0x21:
      return Family::tcp6;
    case 0x22:
      return Family::udp6;
    case 0x31:
      return Family::unix_stream;
    case 0x32:
      return Family::unix_dgram;
    default:
      return std::nullopt;
  }
}

constexpr std::uint8_t byte_of(Family family) noexcept {
  switch (family) {
    case Family::unspec:
      return 0x00;
    case Family::tcp4:
      return 0x11;
    case Family::udp4:
      return 0x12;
    case Family::tcp6:
      return 0x21;
    case Family::udp6:
      return 0x22;
    case Family::unix_stream:
      return 0x31;
    case Family::unix_dgram:
      return 0x32;
  }
  return 0x00;
}

// 2*4 + 2*2 for IPv4, 2*16 + 2*2 for IPv6, 2*108 for AF_UNIX, nothing for UNSPEC.
constexpr std::size_t address_bytes(Family family) noexcept {
  switch (family) {
    case Family::unspec:
      return 0;
    case Family::tcp4:
    case Family::udp4:
      return 12;
    case Family::tcp6:
    case Family::udp6:
      return 36;
    case Family::unix_stream:
    case Family::unix_dgram:
      return 2 * v2_unix_path_bytes;
  }
  return 0;
}

// Multi-byte fields are big-endian (network order) unless a vendor says not.
constexpr std::uint16_t read_u16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

constexpr std::uint32_t read_u32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

}  // namespace echo::proxy::v2
