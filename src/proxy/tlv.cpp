// TLV decoding. A registered type seen twice is invalid (two authorities or two
// checksums would leave the reader to guess which one counts). The vendor types
// live in the spec's application-specific range (0xE0-0xEF), where another
// sender may use the same number for something else, so they are decoded only
// when the value has the vendor's layout, and are otherwise just kept.
#include "proxy/tlv.hpp"

#include <string>

#include "proxy/v2_format.hpp"

namespace echo::proxy {
namespace {

constexpr std::size_t crc32c_value_bytes = 4;
constexpr std::size_t ssl_fixed_bytes = 5;  // client (1) and verify (4)
constexpr std::size_t azure_value_bytes = 5;
constexpr std::size_t gcp_value_bytes = 8;
constexpr std::string_view duplicate_tlv = "duplicate TLV";
constexpr std::string_view duplicate_ssl_sub_tlv = "duplicate SSL sub-TLV";

using Bytes = std::span<const std::uint8_t>;

std::string to_string(Bytes bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::uint32_t read_u32_little_endian(const std::uint8_t* p) {
  return (std::uint32_t{p[3]} << 24) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[1]} << 8) |
         std::uint32_t{p[0]};
}

std::uint64_t read_u64_big_endian(const std::uint8_t* p) {
  return (std::uint64_t{v2::read_u32(p)} << 32) | v2::read_u32(p + 4);
}

// Calls visit(type, value, value_offset) for each type(1) length(2) value TLV
// of `block`; stops at the first error, the visitor's or length_error when a
// TLV does not fit in what is left.
template <typename Visit>
std::string_view walk_tlvs(Bytes block, std::string_view length_error, Visit&& visit) {
  std::size_t at = 0;
  while (at < block.size()) {
    if (block.size() - at < v2::tlv_header_bytes) return length_error;
    const std::size_t length = v2::read_u16(&block[at + 1]);
    const std::size_t value_at = at + v2::tlv_header_bytes;
    if (length > block.size() - value_at) return length_error;
    const std::string_view error = visit(block[at], block.subspan(value_at, length), value_at);
    if (!error.empty()) return error;
    at = value_at + length;
  }
  return {};
}

std::string_view set_once(std::optional<std::string>& field, Bytes value,
                          std::string_view duplicate) {
  if (field) return duplicate;
  field = to_string(value);
  return {};
}

std::string_view decode_ssl(Bytes value, Header& header) {
  if (header.ssl) return duplicate_tlv;
  if (value.size() < ssl_fixed_bytes) return "SSL TLV shorter than 5 bytes";
  SslInfo ssl;
  ssl.client = value[0];
  ssl.verify = v2::read_u32(&value[1]);
  const auto error = walk_tlvs(value.subspan(ssl_fixed_bytes), "bad SSL sub-TLV length",
                               [&ssl](std::uint8_t type, Bytes sub, std::size_t) {
                                 switch (type) {
                                   case tlv_type::ssl_version:
                                     return set_once(ssl.version, sub, duplicate_ssl_sub_tlv);
                                   case tlv_type::ssl_cn:
                                     return set_once(ssl.cn, sub, duplicate_ssl_sub_tlv);
                                   case tlv_type::ssl_cipher:
                                     return set_once(ssl.cipher, sub, duplicate_ssl_sub_tlv);
                                   case tlv_type::ssl_sig_alg:
                                     return set_once(ssl.sig_alg, sub, duplicate_ssl_sub_tlv);
                                   case tlv_type::ssl_key_alg:
                                     return set_once(ssl.key_alg, sub, duplicate_ssl_sub_tlv);
                                   default:
                                     return std::string_view{};  // unknown sub-TLVs are skipped
                                 }
                               });
  if (!error.empty()) return error;
  header.ssl = std::move(ssl);
  return {};
}

void decode_vendor(std::uint8_t type, Bytes value, Header& header) {
  if (type == tlv_type::aws && !header.aws_vpce_id && !value.empty() &&
      value[0] == tlv_type::aws_vpce_id_subtype) {
    header.aws_vpce_id = to_string(value.subspan(1));
  } else if (type == tlv_type::azure && !header.azure_link_id &&
             value.size() == azure_value_bytes && value[0] == tlv_type::azure_link_id_subtype) {
    header.azure_link_id = read_u32_little_endian(&value[1]);
  } else if (type == tlv_type::gcp && !header.gcp_psc_connection_id &&
             value.size() == gcp_value_bytes) {
    header.gcp_psc_connection_id = read_u64_big_endian(value.data());
  }
}

}  // namespace

std::string_view decode_tlvs(std::span<const std::uint8_t> block, Header& header,
                             std::optional<std::size_t>* crc32c_value_at) {
  return walk_tlvs(block, "bad TLV length",
                   [&header, crc32c_value_at](std::uint8_t type, Bytes value,
                                              std::size_t value_at) -> std::string_view {
                     header.tlvs.push_back(Tlv{type, {value.begin(), value.end()}});
                     switch (type) {
                       case tlv_type::alpn:
                         return set_once(header.alpn, value, duplicate_tlv);
                       case tlv_type::authority:
                         return set_once(header.authority, value, duplicate_tlv);
                       case tlv_type::netns:
                         return set_once(header.netns, value, duplicate_tlv);
                       case tlv_type::unique_id:
                         if (value.size() > max_unique_id_bytes)
                           return "unique ID longer than 128 bytes";
                         return set_once(header.unique_id, value, duplicate_tlv);
                       case tlv_type::crc32c:
                         if (header.crc32c_present) return duplicate_tlv;
                         if (value.size() != crc32c_value_bytes) return "bad CRC32C length";
                         header.crc32c_present = true;
                         *crc32c_value_at = value_at;
                         return {};
                       case tlv_type::ssl:
                         return decode_ssl(value, header);
                       case tlv_type::gcp:
                       case tlv_type::aws:
                       case tlv_type::azure:
                         decode_vendor(type, value, header);
                         return {};
                       default:
                         return {};  // NOOP and unknown types: kept, not interpreted
                     }
                   });
}

}  // namespace echo::proxy
