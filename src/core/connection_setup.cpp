#include "core/connection_setup.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "core/log.hpp"
#include "net/socket.hpp"

namespace echo {

namespace {

bool listens_on(const ServerConfig& config, Transport transport) {
  return std::any_of(config.listen.begin(), config.listen.end(),
                     [transport](const ListenSpec& spec) { return spec.transport == transport; });
}

// The TCP options mean nothing on a Unix socket. The family is asked of the
// kernel only when both kinds of listener are open: otherwise the config says.
bool is_tcp(int fd, const ServerConfig& config) {
  if (!listens_on(config, Transport::unix_stream)) return true;
  if (!listens_on(config, Transport::tcp)) return false;
  int domain = 0;
  socklen_t length = sizeof domain;
  return ::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) != 0 || domain != AF_UNIX;
}

}  // namespace

void configure_connection(int fd, const ServerConfig& config) {
  // Failures here are not worth dropping the client for: it is served without them.
  const bool nodelay = config.nodelay;
  const bool keepalive = config.keepalive.idle.count() > 0;
  if ((!nodelay && !keepalive) || !is_tcp(fd, config)) return;
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
