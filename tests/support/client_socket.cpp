#include "support/client_socket.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "net/address.hpp"
#include "net/socket.hpp"
#include "net/unix_socket.hpp"

namespace echo::test {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

bool wait_for(int fd, short events, Clock::time_point deadline) {
  pollfd pfd{fd, events, 0};
  for (;;) {
    const int ready = ::poll(&pfd, 1, remaining_ms(deadline));
    if (ready > 0) return true;
    if (ready == 0) return false;
    if (errno != EINTR) return false;
  }
}

}  // namespace

net::UniqueFd connect_loopback(std::uint16_t port, int* error, std::chrono::milliseconds timeout) {
  auto address = net::parse_address("127.0.0.1:" + std::to_string(port));
  int code = 0;
  net::UniqueFd fd = net::connect_to(*address, timeout, &code);
  if (error) *error = -code;
  return fd;
}

net::UniqueFd connect_unix(const std::string& path, int* error, std::chrono::milliseconds timeout) {
  auto address = net::unix_address(path);
  if (!address) {
    if (error) *error = ENAMETOOLONG;
    return {};
  }
  int code = 0;
  net::UniqueFd fd = net::connect_to(*address, timeout, &code);
  if (error) *error = -code;
  return fd;
}

bool ipv6_loopback_available() {
  static const bool available = [] {
    auto address = net::parse_address("[::1]:0");
    int error = 0;
    return static_cast<bool>(net::listen_on(*address, {}, &error));
  }();
  return available;
}

std::string peer_name(int fd) {
  auto local = net::local_address(fd);
  if (!local) return "?";
  if (local->family() == AF_UNIX) return "unix";
  return local->to_string();
}

bool send_all(int fd, std::string_view data, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_for(fd, POLLOUT, deadline)) return false;
    } else {
      return false;
    }
  }
  return true;
}

std::string recv_exact(int fd, std::size_t n, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string out;
  out.reserve(n);
  char buffer[65536];
  while (out.size() < n) {
    const ssize_t got = ::recv(fd, buffer, std::min(sizeof buffer, n - out.size()), MSG_DONTWAIT);
    if (got > 0) {
      out.append(buffer, static_cast<std::size_t>(got));
    } else if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_for(fd, POLLIN, deadline)) break;
    } else {
      break;
    }
  }
  return out;
}

RecvAll recv_until_end(int fd, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  RecvAll result;
  char buffer[65536];
  for (;;) {
    const ssize_t got = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (got > 0) {
      result.data.append(buffer, static_cast<std::size_t>(got));
    } else if (got == 0) {
      result.end = StreamEnd::eof;
      return result;
    } else if (errno == EAGAIN || errno == EINTR) {
      if (!wait_for(fd, POLLIN, deadline)) {
        result.end = StreamEnd::timeout;
        return result;
      }
    } else {
      result.error = errno;
      result.end = errno == ECONNRESET ? StreamEnd::reset : StreamEnd::error;
      return result;
    }
  }
}

const char* to_string(StreamEnd end) {
  switch (end) {
    case StreamEnd::eof:
      return "eof";
    case StreamEnd::reset:
      return "reset";
    case StreamEnd::timeout:
      return "timeout";
    case StreamEnd::error:
      return "error";
  }
  return "?";
}

bool wait_readable(int fd, std::chrono::milliseconds timeout) {
  return wait_for(fd, POLLIN, Clock::now() + timeout);
}

std::string random_bytes(std::size_t n, std::uint64_t seed) {
  std::string out(n, '\0');
  std::uint64_t state = seed;
  for (std::size_t i = 0; i < n; i += 8) {
    state += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    for (std::size_t b = 0; b < 8 && i + b < n; ++b) out[i + b] = static_cast<char>(z >> (8 * b));
  }
  return out;
}

}  // namespace echo::test
