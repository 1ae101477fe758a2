#include "core/connection_setup.hpp"

#include <cstring>

#include "core/log.hpp"
#include "net/socket.hpp"

namespace echo {

void configure_listener(int fd, const ListenSpec& spec, const ServerConfig& config) {
  // The TCP options mean nothing on a Unix socket.
  if (spec.transport != Transport::tcp) return;
  const bool nodelay = config.nodelay;
  const bool keepalive = config.keepalive.idle.count() > 0;
  if (!nodelay && !keepalive) return;
  if (nodelay) {
    if (int e = net::set_nodelay(fd, true); e != 0 && log::enabled(log::Level::debug))
      log::write_event(log::Level::debug, "setsockopt-failed",
                       {{"option", "TCP_NODELAY"}, {"error", std::strerror(-e)}});
  }
  if (keepalive) {
    if (int e = net::set_keepalive(fd, config.keepalive); e != 0 && log::enabled(log::Level::debug))
      log::write_event(log::Level::debug, "setsockopt-failed",
                       {{"option", "SO_KEEPALIVE"}, {"error", std::strerror(-e)}});
  }
}

}  // namespace echo
