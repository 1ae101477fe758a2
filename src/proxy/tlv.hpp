// Decoding the TLV vectors that follow a v2 address block: every TLV is kept in
// Header::tlvs, the known ones (the spec's registered types, the SSL sub-TLVs,
// and the AWS, Azure and GCP vendor types) also fill their Header fields.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "proxy/header.hpp"

namespace echo::proxy {

// Decodes `block` (the bytes between the address block and the header's end)
// into `header`. Returns an empty view on success, else a short reason:
// "bad TLV length", "duplicate TLV", "bad CRC32C length", "unique ID longer
// than 128 bytes", "SSL TLV shorter than 5 bytes", "bad SSL sub-TLV length",
// "duplicate SSL sub-TLV". A CRC32C TLV is only located here, not checked
// (the checksum covers the whole header): its value's offset within `block`
// is stored in *crc32c_value_at.
std::string_view decode_tlvs(std::span<const std::uint8_t> block, Header& header,
                             std::optional<std::size_t>* crc32c_value_at);

}  // namespace echo::proxy
