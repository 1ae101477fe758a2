// Parsing of the human units the options take: durations ("250ms", "5s", "2m";
// a bare number means seconds; "0" or "off" means off) and keep-alive settings.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "net/socket.hpp"

namespace echo {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// "IDLE[,INTERVAL,COUNT]", durations in whole seconds ("60", "60s", "2m"), or "off".
std::optional<net::KeepAlive> parse_keepalive(std::string_view text);

}  // namespace echo
