// The v2 address block and the checksum; the TLVs themselves are tlv.cpp's.
#include "proxy/v2_header.hpp"

#include <cstring>
#include <optional>
#include <string>

#include "proxy/crc32c.hpp"
#include "proxy/inet_address.hpp"
#include "proxy/tlv.hpp"
#include "proxy/v2_format.hpp"

namespace echo::proxy {
namespace {

// The IPv4 or IPv6 block: both addresses, then both ports, network order.
void decode_inet(const std::uint8_t* block, bool ipv6, Header& header) {
  const std::size_t bytes = ipv6 ? ipv6_bytes : ipv4_bytes;
  const std::uint8_t* ports = block + 2 * bytes;
  header.source = make_inet_address({block, bytes}, v2::read_u16(ports));
  header.destination = make_inet_address({block + bytes, bytes}, v2::read_u16(ports + 2));
}

// A 108-byte AF_UNIX field, NUL-terminated or not.
std::string read_path(const std::uint8_t* field) {
  const auto* text = reinterpret_cast<const char*>(field);
  return std::string(text, ::strnlen(text, v2_unix_path_bytes));
}

void decode_addresses(const std::uint8_t* block, Header& header) {
  switch (header.family) {
    case Family::tcp4:
    case Family::udp4:
      decode_inet(block, false, header);
      break;
    case Family::tcp6:
    case Family::udp6:
      decode_inet(block, true, header);
      break;
    case Family::unix_stream:
    case Family::unix_dgram:
      header.source_path = read_path(block);
      header.destination_path = read_path(block + v2_unix_path_bytes);
      break;
    case Family::unspec:
      break;
  }
}

}  // namespace

std::string_view decode_v2_header(std::span<const std::uint8_t> bytes, Header& header) {
  const std::uint8_t version_command = bytes[v2::version_command_at];
  header.version = Version::v2;
  header.command = (version_command & 0x0F) == v2::command_local ? Command::local : Command::proxy;
  header.family = v2::family_of(bytes[v2::family_at]).value_or(Family::unspec);
  const std::size_t length = bytes.size() - v2_fixed_bytes;
  const std::size_t address_bytes = v2::address_bytes(header.family);
  const std::uint8_t* block = bytes.data() + v2_fixed_bytes;

  if (length < address_bytes) {
    if (header.command == Command::proxy) return "address block shorter than the family needs";
    return {};
  }
  if (header.command == Command::proxy) decode_addresses(block, header);

  const std::size_t tlvs_at = v2_fixed_bytes + address_bytes;
  std::optional<std::size_t> crc32c_value_at;
  const auto error = decode_tlvs(bytes.subspan(tlvs_at), header, &crc32c_value_at);
  if (!error.empty()) return error;
  if (crc32c_value_at) {
    const std::size_t field_at = tlvs_at + *crc32c_value_at;
    if (v2::read_u32(bytes.data() + field_at) != compute_header_crc32c(bytes, field_at)) {
      return "bad CRC32C";
    }
    header.crc32c_verified = true;
  }
  return {};
}

}  // namespace echo::proxy
