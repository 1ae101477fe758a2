// Socket options applied to every accepted connection, whatever the engine.
#pragma once

#include "core/config.hpp"

namespace echo {

void configure_connection(int fd, const ServerConfig& config);

}  // namespace echo
