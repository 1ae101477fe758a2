// Socket options applied to every accepted connection, whatever the engine.
#pragma once

#include "core/config.hpp"
#include "core/listeners.hpp"

namespace echo {

// fd was accepted from listener.
void configure_connection(int fd, const Listener& listener, const ServerConfig& config);

}  // namespace echo
