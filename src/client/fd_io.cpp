// Descriptor helpers shared by the interactive and pipe modes.
#include "client/fd_io.hpp"

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

int write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
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

std::string error_text(int negative_errno) {
  return std::strerror(-negative_errno);
}

std::string describe_duration(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  if (ms % 1000 != 0) return std::to_string(ms) + "ms";
  return std::to_string(ms / 1000) + "s";
}

}  // namespace echo::client
