// Opens the --listen addresses. Port 0 is resolved once, so every copy (one per
// event loop with SO_REUSEPORT) shares the port the kernel chose.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "net/unique_fd.hpp"

namespace echo {

// A start-up failure the user can fix; what() is one line for the terminal.
struct StartupError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::vector<std::vector<net::UniqueFd>> open_listeners(ServerConfig& config, unsigned copies);

}  // namespace echo
