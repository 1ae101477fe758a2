#include "net/socket.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

namespace echo::net {

namespace {

int set_int_option(int fd, int level, int name, int value) {
  return ::setsockopt(fd, level, name, &value, sizeof value) == 0 ? 0 : -errno;
}

}  // namespace

UniqueFd listen_on(const Address& address, const ListenOptions& options, int* error_code) {
  UniqueFd fd(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  int error = 0;
  if (!fd) {
    error = -errno;
  } else if ((error = set_int_option(fd.get(), SOL_SOCKET, SO_REUSEADDR, 1)) != 0) {
  } else if (options.reuse_port &&
             (error = set_int_option(fd.get(), SOL_SOCKET, SO_REUSEPORT, 1)) != 0) {
  } else if (options.dual_stack &&
             (error = set_int_option(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, 0)) != 0) {
  } else if (::bind(fd.get(), address.sa(), address.length) != 0) {
    error = -errno;
  } else if (::listen(fd.get(), options.backlog) != 0) {
    error = -errno;
  }
  if (error_code) *error_code = error;
  if (error != 0) fd.reset();
  return fd;
}

int accept_connection(int listen_fd, Address* peer) {
  for (;;) {
    if (peer) peer->length = sizeof peer->storage;
    const int fd = ::accept4(listen_fd, peer ? peer->sa() : nullptr, peer ? &peer->length : nullptr,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) return fd;
    if (errno != EINTR) return -errno;
  }
}

int set_nodelay(int fd, bool on) {
  return set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, on);
}

int set_keepalive(int fd, const KeepAlive& keepalive) {
  if (keepalive.idle.count() <= 0) return 0;
  if (int e = set_int_option(fd, SOL_SOCKET, SO_KEEPALIVE, 1)) return e;
  if (int e =
          set_int_option(fd, IPPROTO_TCP, TCP_KEEPIDLE, static_cast<int>(keepalive.idle.count())))
    return e;
  if (keepalive.interval.count() > 0) {
    if (int e = set_int_option(fd, IPPROTO_TCP, TCP_KEEPINTVL,
                               static_cast<int>(keepalive.interval.count())))
      return e;
  }
  if (keepalive.count > 0) {
    if (int e = set_int_option(fd, IPPROTO_TCP, TCP_KEEPCNT, keepalive.count)) return e;
  }
  return 0;
}

int set_nonblocking(int fd, bool on) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return -errno;
  const int wanted = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (wanted != flags && ::fcntl(fd, F_SETFL, wanted) != 0) return -errno;
  return 0;
}

UniqueFd connect_to(const Address& address, std::chrono::milliseconds timeout, int* error_code) {
  auto fail = [&](int e) {
    if (error_code) *error_code = e;
    return UniqueFd();
  };
  UniqueFd fd(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fail(-errno);
  if (::connect(fd.get(), address.sa(), address.length) != 0) {
    if (errno != EINPROGRESS) return fail(-errno);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    pollfd pfd{fd.get(), POLLOUT, 0};
    int ready = 0;
    do {
      const auto left =
          std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      ready = ::poll(&pfd, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
    } while (ready < 0 && errno == EINTR);
    if (ready < 0) return fail(-errno);
    if (ready == 0) return fail(-ETIMEDOUT);
    int so_error = 0;
    socklen_t len = sizeof so_error;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) return fail(-errno);
    if (so_error != 0) return fail(-so_error);
  }
  if (int e = set_nonblocking(fd.get(), false)) return fail(e);
  if (error_code) *error_code = 0;
  return fd;
}

}  // namespace echo::net
