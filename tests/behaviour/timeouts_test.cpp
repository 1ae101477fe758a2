// Write and idle timeouts, for every engine: a client that stops reading is
// dropped after --write-timeout, a silent one after --idle-timeout, and one that
// keeps talking is left alone.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

#include "behaviour/engine_param.hpp"
#include "net/unique_fd.hpp"
#include "support/client_socket.hpp"
#include "support/server_process.hpp"

namespace echo::test {
namespace {

using Clock = std::chrono::steady_clock;

// Small enough that the server's echo fills the client's window after a few KiB.
constexpr int kTinyReceiveBufferBytes = 4096;

// A loopback client whose receive buffer is shrunk before connect, so the
// window it advertises stays small from the handshake on.
net::UniqueFd connect_with_small_receive_buffer(const net::Address& address,
                                                std::chrono::milliseconds timeout = 5s) {
  net::UniqueFd fd(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fd;
  const int size = kTinyReceiveBufferBytes;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size) != 0) return {};
  if (::connect(fd.get(), address.sa(), address.length) != 0) {
    if (errno != EINPROGRESS) return {};
    pollfd pfd{fd.get(), POLLOUT, 0};
    if (::poll(&pfd, 1, static_cast<int>(timeout.count())) != 1) return {};
    int so_error = 0;
    socklen_t length = sizeof so_error;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &so_error, &length) != 0 || so_error != 0) {
      errno = so_error;
      return {};
    }
  }
  return fd;
}

// Sends without ever reading until the connection is stuck (no send progress
// for stuck_after) or fails. Returns the bytes sent.
std::size_t send_until_stuck(int fd, std::chrono::milliseconds stuck_after,
                             Clock::time_point deadline) {
  const std::string chunk = random_bytes(16 * 1024, 862);
  std::size_t sent = 0;
  while (Clock::now() < deadline) {
    const ssize_t n = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) break;  // the server already gave up on us
    pollfd pfd{fd, POLLOUT, 0};
    if (::poll(&pfd, 1, static_cast<int>(stuck_after.count())) == 0) break;
  }
  return sent;
}

class Timeouts : public EngineTest {};

TEST_P(Timeouts, WriteTimeoutClosesAClientThatStopsReading) {
  ServerProcess server(kind(), {"--write-timeout", "300ms"});
  ASSERT_TRUE(server.started());
  // A Unix stream has no window to shrink: the server's send buffer fills instead.
  auto fd = over_unix() ? server.connect() : connect_with_small_receive_buffer(server.address());
  ASSERT_TRUE(fd) << "connect: " << std::strerror(errno);

  const std::size_t sent = send_until_stuck(fd.get(), 200ms, Clock::now() + 20s);
  // More than the server's 16 KiB echo buffer went out before the client stalled.
  EXPECT_GT(sent, std::size_t{16 * 1024});

  const auto line = server.process().wait_for_stderr("reason=write-timeout", 10s);
  ASSERT_TRUE(line) << "no write-timeout close logged; stderr:\n" << server.process().stderr_text();
  EXPECT_NE(line->find("info close"), std::string::npos) << *line;

  // The client now drains what was echoed and then sees the end: a FIN, or a
  // reset because the server closed with our unread bytes in its buffer.
  const RecvAll rest = recv_until_end(fd.get(), 10s);
  EXPECT_TRUE(rest.end == StreamEnd::eof || rest.end == StreamEnd::reset)
      << "stream end " << static_cast<int>(rest.end) << " error " << rest.error;
  EXPECT_LE(rest.data.size(), sent);
}

TEST_P(Timeouts, IdleTimeoutClosesASilentClient) {
  ServerProcess server(kind(), {"--idle-timeout", "200ms"});
  ASSERT_TRUE(server.started());
  const auto start = Clock::now();
  auto fd = server.connect();
  ASSERT_TRUE(fd);

  const RecvAll result = recv_until_end(fd.get(), 10s);
  const auto waited = Clock::now() - start;
  EXPECT_EQ(result.end, StreamEnd::eof) << "error " << result.error;
  EXPECT_TRUE(result.data.empty());
  // The server's clock starts after our connect, so it cannot have fired sooner.
  EXPECT_GE(waited, 200ms);

  const auto line = server.process().wait_for_stderr("reason=idle-timeout", 5s);
  ASSERT_TRUE(line) << "stderr:\n" << server.process().stderr_text();
  EXPECT_NE(line->find(" in=0 out=0 "), std::string::npos) << *line;
}

TEST_P(Timeouts, IdleTimeoutSparesAClientThatKeepsTalking) {
  ServerProcess server(kind(), {"--idle-timeout", "200ms"});
  ASSERT_TRUE(server.started());
  auto fd = server.connect();
  ASSERT_TRUE(fd);

  // Each round trip waits for its echo, so the pace is set by the server; ~1 s
  // of them spans five idle timeouts.
  const auto start = Clock::now();
  int round_trips = 0;
  while (Clock::now() - start < 1s) {
    const std::string message = "ping " + std::to_string(round_trips) + "\n";
    ASSERT_TRUE(send_all(fd.get(), message)) << "round trip " << round_trips;
    ASSERT_EQ(recv_exact(fd.get(), message.size(), 5s), message) << "round trip " << round_trips;
    ++round_trips;
  }
  EXPECT_GT(round_trips, 5);
  EXPECT_EQ(server.process().count_stderr("reason=idle-timeout"), 0u)
      << server.process().stderr_text();

  // Still open: one more exchange works after the loop.
  ASSERT_TRUE(send_all(fd.get(), "last\n"));
  EXPECT_EQ(recv_exact(fd.get(), 5, 5s), "last\n");
}

ECHO_INSTANTIATE_ENGINES(Timeouts);

}  // namespace
}  // namespace echo::test
