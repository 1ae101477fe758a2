// Socket options every accepted connection gets, whatever the engine. They are
// set once on the listening socket: Linux copies a listener's TCP_NODELAY and
// keep-alive settings into each socket it accepts, so no engine spends a
// setsockopt per connection.
#pragma once

#include "core/config.hpp"
#include "core/listen_spec.hpp"

namespace echo {

// fd listens as spec says. Failures are logged at debug and not fatal: the
// clients are served without the option.
void configure_listener(int fd, const ListenSpec& spec, const ServerConfig& config);

}  // namespace echo
