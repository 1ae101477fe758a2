// Building PROXY protocol headers, for echo-client and echo-bench to send in
// front of their data (and for the tests and the fuzzer's round trips).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "proxy/header.hpp"

namespace echo::proxy {

struct EncodeOptions {
  std::vector<Tlv> extra_tlvs;  // written after the header's own, as given
  bool add_crc32c = false;      // a CRC32C TLV last, computed over the result
};

// "PROXY TCP4 SRC DST SPORT DPORT\r\n" (or TCP6) for a PROXY header over
// tcp4/tcp6 whose addresses are of that family; "PROXY UNKNOWN\r\n" otherwise.
std::vector<std::uint8_t> encode_v1(const Header& header);

// The binary header: the family's address block (none for LOCAL, which is sent
// as UNSPEC, as the spec advises), then header.tlvs except any CRC32C (a stale
// checksum would be wrong once re-encoded), options.extra_tlvs, and a fresh
// CRC32C if asked. An address of the wrong family is written as zeros. Empty
// when the TLVs do not fit the 16-bit length.
std::vector<std::uint8_t> encode_v2(const Header& header, const EncodeOptions& options = {});

// A TLV from its bytes as text (ALPN, authority, ...).
Tlv make_tlv(std::uint8_t type, std::string_view value);

}  // namespace echo::proxy
