// The PROXY protocol header echo-client sends first on its connection
// (--proxy-header): the socket's own addresses unless --proxy-source or
// --proxy-destination say otherwise, sent before either mode starts, so the
// echo the modes check is of what follows it.
// Try it: echo-client --proxy-header v1 127.0.0.1:7878 (against a PROXY listener)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "client/client_options.hpp"
#include "client/outcome.hpp"

namespace echo::client {

// The header's bytes for a connected socket; nullopt, with the reason in
// *error, when the socket's addresses cannot be read.
std::optional<std::vector<std::uint8_t>> build_proxy_header(const ProxySettings& settings,
                                                            int socket_fd, std::string* error);

// Builds the header and sends all of it. An I/O failure (exit 1) if either fails.
Outcome send_proxy_header(const ProxySettings& settings, int socket_fd);

}  // namespace echo::client
