// Connecting to the server; see connect.hpp.
#include "client/connect.hpp"

#include <cerrno>

#include "client/fd_io.hpp"
#include "net/socket.hpp"

namespace echo::client {

std::string describe_connect_error(int negative_errno, const net::Address& server,
                                   std::chrono::milliseconds timeout) {
  const std::string where = server.to_string();
  switch (-negative_errno) {
    case ECONNREFUSED:
      return "connection refused by " + where + " (is echo-server running there?)";
    case ETIMEDOUT:
      return "timed out connecting to " + where + " after " + describe_duration(timeout);
    case ENETUNREACH:
      return "network unreachable connecting to " + where;
    case EHOSTUNREACH:
      return "host unreachable connecting to " + where;
    default:
      return "cannot connect to " + where + ": " + error_text(negative_errno);
  }
}

std::variant<net::UniqueFd, Outcome> connect_to_server(const net::Address& server,
                                                       std::chrono::milliseconds timeout) {
  int error = 0;
  net::UniqueFd fd = net::connect_to(server, timeout, &error);
  if (fd) return fd;
  return Outcome{ExitCode::connect_failed, describe_connect_error(error, server, timeout)};
}

}  // namespace echo::client
