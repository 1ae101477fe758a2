// The uring engine's provided buffer ring is finite (16 buffers at
// --buffer-size 2MiB). Clients that stop reading each keep one buffer; when all
// are held, other connections must still be served (with a pool buffer, as the
// epoll engine would) and every stuck client still gets all of its echo later.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "behaviour/engine_param.hpp"
#include "net/unique_fd.hpp"
#include "support/client_socket.hpp"
#include "support/server_process.hpp"

namespace echo::test {
namespace {

using Clock = std::chrono::steady_clock;

// More stuck clients than the ring has buffers (2 MiB buffers: 16 of them).
constexpr int kStuckClients = 24;
constexpr std::size_t kChunkBytes = 64 * 1024;
// A client whose sends make no progress this long counts as stuck.
constexpr auto kStuckAfter = 300ms;
constexpr auto kPhaseDeadline = 30s;

struct StuckClient {
  net::UniqueFd fd;
  std::size_t sent = 0;
  std::size_t received = 0;
};

// Sends from every client, never reading, until none of them makes progress.
void send_until_all_stuck(std::vector<StuckClient>& clients) {
  const std::string chunk(kChunkBytes, 'x');
  const auto deadline = Clock::now() + kPhaseDeadline;
  auto last_progress = Clock::now();
  while (Clock::now() - last_progress < kStuckAfter && Clock::now() < deadline) {
    bool progressed = false;
    for (auto& client : clients) {
      const ssize_t n =
          ::send(client.fd.get(), chunk.data(), chunk.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        client.sent += static_cast<std::size_t>(n);
        progressed = true;
      }
    }
    if (progressed) {
      last_progress = Clock::now();
    } else {
      ::poll(nullptr, 0, 10);
    }
  }
}

// Reads what each client is owed, all clients at once.
bool read_all_echoes(std::vector<StuckClient>& clients) {
  std::vector<char> buffer(kChunkBytes);
  const auto deadline = Clock::now() + kPhaseDeadline;
  while (Clock::now() < deadline) {
    std::vector<pollfd> fds;
    std::vector<StuckClient*> owners;
    for (auto& client : clients) {
      if (client.received >= client.sent) continue;
      fds.push_back({client.fd.get(), POLLIN, 0});
      owners.push_back(&client);
    }
    if (fds.empty()) return true;
    if (::poll(fds.data(), fds.size(), 1000) < 0) return false;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      const ssize_t n = ::recv(fds[i].fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (n > 0) owners[i]->received += static_cast<std::size_t>(n);
      if (n == 0) return false;
    }
  }
  return false;
}

TEST(UringBuffers, ServesOthersWhenStuckClientsHoldEveryRingBuffer) {
  ECHO_SKIP_IF_ENGINE_UNAVAILABLE(std::string("uring"));
  ServerProcess server("uring",
                       {"--threads", "1", "--buffer-size", "2MiB", "--write-timeout", "off"});
  ASSERT_TRUE(server.started());

  std::vector<StuckClient> stuck(kStuckClients);
  for (auto& client : stuck) {
    int error = 0;
    client.fd = server.connect(&error);
    ASSERT_TRUE(client.fd) << std::strerror(error);
  }
  send_until_all_stuck(stuck);
  for (const auto& client : stuck) ASSERT_GT(client.sent, 0u);

  auto other = server.connect();
  ASSERT_TRUE(other);
  ASSERT_TRUE(send_all(other.get(), "hello\n", 2s));
  EXPECT_EQ(recv_exact(other.get(), 6, 2s), "hello\n")
      << "stuck clients starved a new one of buffers";

  EXPECT_TRUE(read_all_echoes(stuck)) << "a stuck client did not get all of its echo back";
  for (std::size_t i = 0; i < stuck.size(); ++i) {
    EXPECT_EQ(stuck[i].received, stuck[i].sent) << "client " << i;
  }
  EXPECT_TRUE(server.process().running());
}

}  // namespace
}  // namespace echo::test
