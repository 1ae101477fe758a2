// Opens the --listen specs. Port 0 is resolved once, so every copy (one per
// event loop with SO_REUSEPORT) shares the port the kernel chose. A Unix
// listener is opened once: SO_REUSEPORT does not apply to Unix sockets, so the
// later copies hold a dup() of copy 0's descriptor (the same socket; each loop
// accepts from it) and copy 0 alone owns the socket file.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/listen_spec.hpp"
#include "net/unique_fd.hpp"
#include "net/unix_socket.hpp"

namespace echo {

// A start-up failure the user can fix; what() is one line for the terminal.
struct StartupError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Listener {
  ListenSpec spec;  // with the port the kernel chose for port 0
  net::UniqueFd fd;
  net::SocketFile file;  // unix: removes the socket file (copy 0 only); tcp: empty
};

// Socket files are created with this mode: owner and group may connect.
inline constexpr mode_t kUnixSocketMode = 0660;

// result[copy][index], index in config.listen order.
std::vector<std::vector<Listener>> open_listeners(const ServerConfig& config, unsigned copies);

}  // namespace echo
