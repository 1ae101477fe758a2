// Socket plumbing shared by the server, the client and the tests. Every helper
// returns a descriptor or -errno; EINTR is retried here so callers never see it.
#pragma once

#include <chrono>
#include <cstdint>

#include "net/address.hpp"
#include "net/unique_fd.hpp"

namespace echo::net {

struct ListenOptions {
  int backlog = 4096;
  bool reuse_port = false;  // lets several event loops each own a listener on one port
  bool dual_stack = false;  // IPv6 "::" only: accept IPv4 too (IPV6_V6ONLY off)
};

// socket + bind + listen, non-blocking and close-on-exec. On failure the socket is closed
// and -errno is returned in *error_code.
UniqueFd listen_on(const Address& address, const ListenOptions& options, int* error_code);

// accept4 with SOCK_NONBLOCK|SOCK_CLOEXEC; returns the fd or -errno (EAGAIN included).
// With peer, the kernel fills in the client's address too (one getpeername less).
int accept_connection(int listen_fd, Address* peer = nullptr);

struct KeepAlive {
  std::chrono::seconds idle{0};  // 0 = keep-alive off
  std::chrono::seconds interval{0};
  int count = 0;
};

int set_nodelay(int fd, bool on);
int set_keepalive(int fd, const KeepAlive& keepalive);
int set_nonblocking(int fd, bool on);

// Connects with a deadline; returns a blocking-mode socket, or -errno in *error_code
// (ETIMEDOUT when the deadline passes).
UniqueFd connect_to(const Address& address, std::chrono::milliseconds timeout, int* error_code);

}  // namespace echo::net
