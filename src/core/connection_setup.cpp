#include "core/connection_setup.hpp"

#include <cstring>

#include "core/log.hpp"
#include "net/socket.hpp"

namespace echo {

void configure_connection(int fd, const ServerConfig& config) {
  // Failures here are not worth dropping the client for: it is served without them.
  if (config.nodelay) {
    if (int e = net::set_nodelay(fd, true); e != 0 && log::enabled(log::Level::debug))
      log::write_event(log::Level::debug, "setsockopt-failed",
                       {{"option", "TCP_NODELAY"}, {"error", std::strerror(-e)}});
  }
  if (config.keepalive.idle.count() > 0) {
    if (int e = net::set_keepalive(fd, config.keepalive); e != 0 && log::enabled(log::Level::debug))
      log::write_event(log::Level::debug, "setsockopt-failed",
                       {{"option", "SO_KEEPALIVE"}, {"error", std::strerror(-e)}});
  }
}

}  // namespace echo
