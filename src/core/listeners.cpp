#include "core/listeners.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>

#include "core/connection_setup.hpp"
#include "net/socket.hpp"

namespace echo {

namespace {

[[noreturn]] void fail(const ListenSpec& spec, int error) {
  const char* why = error == -EADDRINUSE ? "address already in use"
                    : error == -ENOTSOCK ? "the path exists and is not a socket"
                                         : std::strerror(-error);
  throw StartupError("cannot listen on " + spec.to_string() + ": " + why);
}

net::UniqueFd listen_tcp(ListenSpec& spec, const net::ListenOptions& options) {
  int error = 0;
  net::UniqueFd fd = net::listen_on(spec.address, options, &error);
  if (!fd && error == -EAFNOSUPPORT && spec.dual_stack) {
    // ":PORT" on a kernel without IPv6: every address it has is an IPv4 one.
    net::Address any;
    auto* in = reinterpret_cast<sockaddr_in*>(&any.storage);
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = htonl(INADDR_ANY);
    any.length = sizeof(sockaddr_in);
    any.set_port(spec.address.port());
    spec.address = any;
    fd = net::listen_on(spec.address, options, &error);
  }
  if (!fd) fail(spec, error);
  if (spec.address.port() == 0) {
    // Later copies must bind the port the kernel picked for the first.
    if (auto bound = net::local_address(fd.get())) spec.address.set_port(bound->port());
  }
  return fd;
}

}  // namespace

std::vector<std::vector<Listener>> open_listeners(const ServerConfig& config, unsigned copies) {
  std::vector<std::vector<Listener>> result(copies);
  const net::ListenOptions options{.backlog = config.backlog, .reuse_port = copies > 1};
  for (ListenSpec spec : config.listen) {
    if (spec.transport == Transport::unix_stream) {
      int error = 0;
      net::UnixListener unix_listener =
          net::listen_unix(spec.path, options, kUnixSocketMode, &error);
      if (!unix_listener.fd) fail(spec, error);
      for (unsigned copy = 1; copy < copies; ++copy) {
        net::UniqueFd shared(::fcntl(unix_listener.fd.get(), F_DUPFD_CLOEXEC, 0));
        if (!shared) fail(spec, -errno);
        result[copy].push_back({spec, std::move(shared), {}});
      }
      result[0].push_back({spec, std::move(unix_listener.fd), std::move(unix_listener.file)});
      continue;
    }
    const net::ListenOptions tcp_options{.backlog = options.backlog,
                                         .reuse_port = options.reuse_port,
                                         .dual_stack = spec.dual_stack};
    for (unsigned copy = 0; copy < copies; ++copy) {
      net::UniqueFd fd = listen_tcp(spec, tcp_options);
      configure_listener(fd.get(), spec, config);  // inherited by every accepted socket
      result[copy].push_back({spec, std::move(fd), {}});
    }
  }
  return result;
}

}  // namespace echo
