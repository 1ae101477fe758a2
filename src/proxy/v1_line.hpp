// The grammar of a complete v1 line: "PROXY TCP4 SRC DST SPORT DPORT",
// "PROXY TCP6 ..." or "PROXY UNKNOWN" followed by anything.
#pragma once

#include <string_view>

#include "proxy/header.hpp"

namespace echo::proxy {

// Parses `line` (without its CRLF) into `header`. Returns an empty view on
// success, else "bad v1 protocol", "bad v1 line" (fields and single spaces),
// "bad v1 address" or "bad v1 port".
std::string_view parse_v1_line(std::string_view line, Header& header);

}  // namespace echo::proxy
