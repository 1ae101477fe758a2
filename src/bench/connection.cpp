#include "bench/connection.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "bench/payload.hpp"
#include "net/socket.hpp"

namespace echo::bench {

void MessageRing::reserve(std::size_t capacity) {
  capacity = std::bit_ceil(std::max<std::size_t>(capacity, 1));
  if (capacity <= slots_.size()) return;
  std::vector<Outstanding> grown(capacity);
  for (std::size_t i = 0; i < size_; ++i) grown[i] = slots_[(head_ + i) & (slots_.size() - 1)];
  slots_ = std::move(grown);
  head_ = 0;
}

bool MessageRing::push(const Outstanding& message) {
  if (full()) return false;
  if (size_ == slots_.size())
    reserve(std::min(max_capacity_, std::max<std::size_t>(2 * slots_.size(), 1)));
  slots_[(head_ + size_) & (slots_.size() - 1)] = message;
  ++size_;
  return true;
}

void Connection::reset_stream(std::uint64_t seed) noexcept {
  pattern_start = Payload::start_for(seed);
  size_state = seed;
  sent = received = target = 0;
  messages_queued = messages_due = 0;
  outstanding.clear();
}

std::size_t next_message_bytes(Connection& connection, const SizeRange& size) noexcept {
  if (size.min_bytes == size.max_bytes) return size.min_bytes;
  const std::uint64_t span = size.max_bytes - size.min_bytes + 1;
  return size.min_bytes + static_cast<std::size_t>(splitmix64(connection.size_state) % span);
}

bool verify_echo(const Connection& connection, std::span<const std::byte> echoed,
                 std::string* detail) {
  const Payload& payload = Payload::shared();
  std::size_t checked = 0;
  while (checked < echoed.size()) {
    const std::size_t n = std::min(echoed.size() - checked, Payload::kMaxSpanBytes);
    const std::byte* expected =
        payload.span(connection.pattern_start, connection.received + checked);
    if (std::memcmp(expected, echoed.data() + checked, n) != 0) {
      const auto* got = echoed.data() + checked;
      std::size_t at = 0;
      while (got[at] == expected[at]) ++at;
      if (detail) {
        char line[160];
        std::snprintf(line, sizeof line,
                      "mismatch at stream offset %llu: expected 0x%02x, got 0x%02x",
                      static_cast<unsigned long long>(connection.received + checked + at),
                      static_cast<unsigned>(expected[at]), static_cast<unsigned>(got[at]));
        *detail = line;
      }
      return false;
    }
    checked += n;
  }
  return true;
}

ErrorKind classify_errno(int error) noexcept {
  switch (error) {
    case ECONNRESET:
    case EPIPE:
      return ErrorKind::reset;
    case ECONNREFUSED:
      return ErrorKind::refused;
    case ETIMEDOUT:
      return ErrorKind::timeout;
    default:
      return ErrorKind::other;
  }
}

int start_connect(Connection& connection, const net::Address& target, const net::Address* source) {
  connection.fd.reset(::socket(target.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!connection.fd) return -errno;
  const int fd = connection.fd.get();
  // Small pipelined messages must not wait for Nagle's delayed ACK.
  if (int e = net::set_nodelay(fd, true)) return e;
  if (source) {
    // Let connect() choose the port, so the 4-tuple (not the source port alone)
    // must be unique: many more connections per source address.
    const int one = 1;
    ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    if (::bind(fd, source->sa(), source->length) != 0) return -errno;
  }
  int result = 0;
  do {
    result = ::connect(fd, target.sa(), target.length);
  } while (result != 0 && errno == EINTR);
  return result == 0 ? 0 : -errno;
}

int finish_connect(int fd) noexcept {
  int so_error = 0;
  socklen_t length = sizeof so_error;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &length) != 0) return -errno;
  return -so_error;
}

namespace {

// Header and stream in one call: a small request does not cost a second
// system call (and segment) for its header. Returns the stream bytes sent,
// 0 on EAGAIN, or -errno; *socket_full when the kernel took less than offered.
ssize_t send_header_and_stream(Connection& connection, bool* socket_full) noexcept {
  const std::size_t header_left = connection.proxy_header.size() - connection.proxy_header_sent;
  const std::size_t stream_want = static_cast<std::size_t>(
      std::min<std::uint64_t>(connection.target - connection.sent, Payload::kMaxSpanBytes));
  // iovec's base is not const; sendmsg only reads it.
  iovec parts[2] = {
      {connection.proxy_header.data() + connection.proxy_header_sent, header_left},
      {const_cast<std::byte*>(Payload::shared().span(connection.pattern_start, connection.sent)),
       stream_want},
  };
  msghdr message{};
  message.msg_iov = parts;
  message.msg_iovlen = stream_want > 0 ? 2 : 1;
  ssize_t n = 0;
  do {
    n = ::sendmsg(connection.fd.get(), &message, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    *socket_full = true;
    return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
  }
  const auto written = static_cast<std::size_t>(n);
  const std::size_t header_taken = std::min(written, header_left);
  connection.proxy_header_sent += header_taken;
  connection.sent += written - header_taken;
  *socket_full = written < header_left + stream_want;
  return static_cast<ssize_t>(written - header_taken);
}

}  // namespace

ssize_t send_stream(Connection& connection) noexcept {
  constexpr std::size_t kStreamBurstBytes = 256 * 1024;
  const Payload& payload = Payload::shared();
  ssize_t total = 0;
  if (connection.proxy_header_pending()) {
    bool socket_full = false;
    total = send_header_and_stream(connection, &socket_full);
    if (total < 0 || socket_full) return total;
  }
  while (connection.sent < connection.target) {
    const std::size_t want = static_cast<std::size_t>(
        std::min<std::uint64_t>(connection.target - connection.sent, Payload::kMaxSpanBytes));
    const ssize_t n =
        ::send(connection.fd.get(), payload.span(connection.pattern_start, connection.sent), want,
               MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return -errno;
    }
    connection.sent += static_cast<std::uint64_t>(n);
    total += n;
    // A short write means the socket buffer is full: the next call would be EAGAIN.
    if (static_cast<std::size_t>(n) < want) break;
    // Then read the echo before sending more. Sending until the (autotuned,
    // megabytes) send buffer is full let the echo pile up unread meanwhile:
    // against a splicing server the kernel then collapsed and pruned the
    // receive queue and dropped segments (TcpExtTCPRcvCollapsed, RcvPruned and
    // TCPTimeouts grew during such runs), and --discard measured a quarter of
    // what the server can do.
    if (static_cast<std::size_t>(total) >= kStreamBurstBytes) break;
  }
  return total;
}

}  // namespace echo::bench
