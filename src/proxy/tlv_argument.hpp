// The command-line form of a raw TLV, `--proxy-tlv TYPE=HEX`: TYPE in decimal
// or 0x-hex (0-255), HEX an even number of hex digits, possibly none
// ("0xE0=0000000000000001", "4=").
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "proxy/header.hpp"

namespace echo::proxy {

// Returns nullopt and sets *error to a one-line reason on bad input.
std::optional<Tlv> parse_tlv_argument(std::string_view text, std::string* error = nullptr);

}  // namespace echo::proxy
