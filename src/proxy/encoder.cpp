// The encoder writes addresses straight from their sockaddr (already in
// network order) and patches the length and checksum in once the size is known.
#include "proxy/encoder.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <string>

#include "proxy/crc32c.hpp"
#include "proxy/v2_format.hpp"

namespace echo::proxy {
namespace {

constexpr std::size_t max_v2_length = std::numeric_limits<std::uint16_t>::max();
constexpr std::size_t crc32c_value_bytes = 4;

using Bytes = std::vector<std::uint8_t>;

void append(Bytes& out, const void* data, std::size_t size) {
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  out.insert(out.end(), bytes, bytes + size);
}

void append_u16(Bytes& out, std::size_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

void put_u16(Bytes& out, std::size_t at, std::size_t value) {
  out[at] = static_cast<std::uint8_t>(value >> 8);
  out[at + 1] = static_cast<std::uint8_t>(value);
}

void put_u32(Bytes& out, std::size_t at, std::uint32_t value) {
  for (std::size_t i = 0; i < crc32c_value_bytes; ++i) {
    out[at + i] = static_cast<std::uint8_t>(value >> (8 * (crc32c_value_bytes - 1 - i)));
  }
}

std::string host_of(const net::Address& address) {
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (address.family() == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address.storage);
    ::inet_ntop(AF_INET, &in->sin_addr, text.data(), text.size());
  } else {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address.storage);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text.data(), text.size());
  }
  return text.data();
}

// IPv4 or IPv6: both addresses, then both ports, all in network order.
void append_inet(Bytes& out, const Header& header, int family) {
  const net::Address* addresses[] = {&header.source, &header.destination};
  const std::size_t bytes = family == AF_INET ? sizeof(in_addr) : sizeof(in6_addr);
  for (const net::Address* address : addresses) {
    if (address->family() != family) {
      out.insert(out.end(), bytes, std::uint8_t{0});
    } else if (family == AF_INET) {
      append(out, &reinterpret_cast<const sockaddr_in*>(&address->storage)->sin_addr, bytes);
    } else {
      append(out, &reinterpret_cast<const sockaddr_in6*>(&address->storage)->sin6_addr, bytes);
    }
  }
  for (const net::Address* address : addresses) {
    append_u16(out, address->family() == family ? address->port() : 0);
  }
}

// A 108-byte field: the path, cut to fit, padded with NULs.
void append_path(Bytes& out, const std::string& path) {
  const std::size_t size = std::min(path.size(), v2_unix_path_bytes);
  append(out, path.data(), size);
  out.insert(out.end(), v2_unix_path_bytes - size, std::uint8_t{0});
}

void append_addresses(Bytes& out, const Header& header) {
  switch (header.family) {
    case Family::tcp4:
    case Family::udp4:
      append_inet(out, header, AF_INET);
      break;
    case Family::tcp6:
    case Family::udp6:
      append_inet(out, header, AF_INET6);
      break;
    case Family::unix_stream:
    case Family::unix_dgram:
      append_path(out, header.source_path);
      append_path(out, header.destination_path);
      break;
    case Family::unspec:
      break;
  }
}

bool append_tlv(Bytes& out, const Tlv& tlv) {
  if (tlv.value.size() > max_v2_length) return false;
  out.push_back(tlv.type);
  append_u16(out, tlv.value.size());
  append(out, tlv.value.data(), tlv.value.size());
  return true;
}

}  // namespace

std::vector<std::uint8_t> encode_v1(const Header& header) {
  const bool tcp4 = header.family == Family::tcp4 && header.source.family() == AF_INET &&
                    header.destination.family() == AF_INET;
  const bool tcp6 = header.family == Family::tcp6 && header.source.family() == AF_INET6 &&
                    header.destination.family() == AF_INET6;
  std::string line = "PROXY UNKNOWN\r\n";
  if (header.command == Command::proxy && (tcp4 || tcp6)) {
    line = std::string("PROXY ") + (tcp4 ? "TCP4 " : "TCP6 ") + host_of(header.source) + ' ' +
           host_of(header.destination) + ' ' + std::to_string(header.source.port()) + ' ' +
           std::to_string(header.destination.port()) + "\r\n";
  }
  return {line.begin(), line.end()};
}

std::vector<std::uint8_t> encode_v2(const Header& header, const EncodeOptions& options) {
  const bool local = header.command == Command::local;
  Bytes out(v2::signature.begin(), v2::signature.end());
  out.push_back(static_cast<std::uint8_t>((v2::version << 4) |
                                          (local ? v2::command_local : v2::command_proxy)));
  out.push_back(local ? v2::byte_of(Family::unspec) : v2::byte_of(header.family));
  append_u16(out, 0);  // the length, once known
  if (!local) append_addresses(out, header);

  for (const Tlv& tlv : header.tlvs) {
    if (tlv.type != tlv_type::crc32c && !append_tlv(out, tlv)) return {};
  }
  for (const Tlv& tlv : options.extra_tlvs) {
    if (!append_tlv(out, tlv)) return {};
  }
  std::size_t crc32c_at = 0;
  if (options.add_crc32c) {
    append_tlv(out, Tlv{tlv_type::crc32c, Bytes(crc32c_value_bytes, 0)});
    crc32c_at = out.size() - crc32c_value_bytes;
  }
  if (out.size() - v2_fixed_bytes > max_v2_length) return {};
  put_u16(out, v2::length_at, out.size() - v2_fixed_bytes);
  if (options.add_crc32c) put_u32(out, crc32c_at, compute_header_crc32c(out, crc32c_at));
  return out;
}

Tlv make_tlv(std::uint8_t type, std::string_view value) {
  return Tlv{type, Bytes(value.begin(), value.end())};
}

}  // namespace echo::proxy
