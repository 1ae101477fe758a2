// Small descriptor helpers for the client: waits bounded by a deadline, reads and
// writes that retry EINTR and tolerate a descriptor someone else made
// non-blocking. Every function returns a count or -errno.
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace echo::client {

using Clock = std::chrono::steady_clock;

// poll(2) until the deadline (none = forever), retrying EINTR with the time left.
// Returns the number of ready descriptors, 0 when the deadline passed, or -errno.
int poll_until(std::span<pollfd> fds, std::optional<Clock::time_point> deadline);

// One read(2), retrying EINTR. -EAGAIN when nothing is ready.
ssize_t read_some(int fd, std::span<char> into);

// Writes all of data to a descriptor that may block (stdout). If it turns out to
// be non-blocking, waits for POLLOUT instead of spinning. Returns 0 or -errno.
int write_all(int fd, std::string_view data);

// Sends all of data on a socket (MSG_NOSIGNAL), blocking or not: a full socket
// buffer is waited out with POLLOUT. Returns 0 or -errno.
int send_all(int fd, std::span<const std::uint8_t> data);

// "Connection reset by peer": strerror for a -errno value.
std::string error_text(int negative_errno);

// "250ms" or "5s", for messages.
std::string describe_duration(std::chrono::milliseconds duration);

}  // namespace echo::client
