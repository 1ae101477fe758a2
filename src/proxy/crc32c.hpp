// CRC32C (Castagnoli, RFC 4960 appendix B), the checksum of the v2 TLV
// PP2_TYPE_CRC32C. Boost.CRC computes it; nothing here is hand-written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace echo::proxy {

// crc32c("123456789") == 0xE3069283.
std::uint32_t compute_crc32c(std::span<const std::uint8_t> bytes);

// The checksum of a whole v2 header as the spec defines it: computed with the
// 4-byte checksum value at field_offset read as zeros (field_offset + 4 must
// not pass the end of header).
std::uint32_t compute_header_crc32c(std::span<const std::uint8_t> header, std::size_t field_offset);

}  // namespace echo::proxy
