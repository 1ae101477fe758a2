#include "core/listeners.hpp"

#include <cstring>

#include "net/socket.hpp"

namespace echo {

std::vector<std::vector<net::UniqueFd>> open_listeners(ServerConfig& config, unsigned copies) {
  std::vector<std::vector<net::UniqueFd>> result(copies);
  const net::ListenOptions options{.backlog = config.backlog, .reuse_port = copies > 1};
  for (auto& address : config.listen) {
    for (unsigned copy = 0; copy < copies; ++copy) {
      int error = 0;
      net::UniqueFd fd = net::listen_on(address, options, &error);
      if (!fd) {
        const char* why = error == -EADDRINUSE ? "address already in use" : std::strerror(-error);
        throw StartupError("cannot listen on " + address.to_string() + ": " + why);
      }
      if (address.port() == 0) {
        // Later copies must bind the port the kernel picked for the first.
        if (auto bound = net::local_address(fd.get())) address.set_port(bound->port());
      }
      result[copy].push_back(std::move(fd));
    }
  }
  return result;
}

}  // namespace echo
