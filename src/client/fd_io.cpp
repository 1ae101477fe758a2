// Descriptor helpers shared by the interactive and pipe modes.
#include "client/fd_io.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

namespace echo::client {

int poll_until(std::span<pollfd> fds, std::optional<Clock::time_point> deadline) {
  for (;;) {
    int timeout_ms = -1;
    if (deadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now());
      timeout_ms =
          static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(left.count(), 0, INT_MAX));
    }
    const int ready = ::poll(fds.data(), fds.size(), timeout_ms);
    if (ready >= 0) return ready;
    if (errno != EINTR) return -errno;
  }
}

ssize_t read_some(int fd, std::span<char> into) {
  for (;;) {
    const ssize_t n = ::read(fd, into.data(), into.size());
    if (n >= 0) return n;
    if (errno == EWOULDBLOCK) return -EAGAIN;
    if (errno != EINTR) return -errno;
  }
}

namespace {

// write(2), or send(2) with MSG_NOSIGNAL for a socket, until all of it is out.
int put_all(int fd, const char* data, std::size_t size, bool socket) {
  while (size > 0) {
    const ssize_t n = socket ? ::send(fd, data, size, MSG_NOSIGNAL) : ::write(fd, data, size);
    if (n > 0) {
      data += n;
      size -= static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd pfd{fd, POLLOUT, 0};
      if (const int ready = poll_until({&pfd, 1}, std::nullopt); ready < 0) return ready;
      continue;
    }
    return n < 0 ? -errno : -EIO;
  }
  return 0;
}

}  // namespace

int write_all(int fd, std::string_view data) {
  return put_all(fd, data.data(), data.size(), false);
}

int send_all(int fd, std::span<const std::uint8_t> data) {
  return put_all(fd, reinterpret_cast<const char*>(data.data()), data.size(), true);
}

std::string error_text(int negative_errno) {
  return std::strerror(-negative_errno);
}

std::string describe_duration(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  if (ms % 1000 != 0) return std::to_string(ms) + "ms";
  return std::to_string(ms / 1000) + "s";
}

}  // namespace echo::client
