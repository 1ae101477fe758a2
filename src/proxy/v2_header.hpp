// Decoding a complete v2 header whose first 16 bytes the parser has already
// checked: the address block, the TLVs and the CRC32C.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "proxy/header.hpp"

namespace echo::proxy {

// `bytes` is the whole header, signature to the end of the TLVs (16 + length
// bytes), with a known version, command and family. Returns an empty view on
// success, else a short reason: "address block shorter than the family
// needs", "bad CRC32C", or one of decode_tlvs' reasons (tlv.hpp).
//
// The address block is decoded for PROXY only. For LOCAL it is skipped; the
// TLVs follow it when the length covers the family's block, and when it does
// not, the whole block is skipped as the spec's "discard the protocol block".
std::string_view decode_v2_header(std::span<const std::uint8_t> bytes, Header& header);

}  // namespace echo::proxy
