// The uring loop's submission side under pressure it rarely meets in the
// wild: a ring far smaller than one turn's operations (the queue fills in the
// middle of a turn; what does not fit waits for the next one, in order), and
// an exit whose cancelled operations do not all come back in time (the memory
// they may write into must stay allocated).
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>

#include <string>
#include <vector>

#include "behaviour/engine_param.hpp"
#include "net/unique_fd.hpp"
#include "support/client_socket.hpp"
#include "support/server_process.hpp"

namespace echo::test {
namespace {

constexpr int kClients = 64;
constexpr std::size_t kMessageBytes = 4096;

TEST(UringSubmissions, AFourEntryRingServesManyClientsAtOnce) {
  ECHO_SKIP_IF_ENGINE_UNAVAILABLE(std::string("uring"));
  SpawnOptions options;
  options.environment.push_back("ECHO_URING_RING_ENTRIES=4");
  ServerProcess server("uring", {"--threads", "1"}, options);
  ASSERT_TRUE(server.started());

  std::vector<net::UniqueFd> clients;
  std::vector<std::string> messages;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(connect_loopback(server.port()));
    ASSERT_TRUE(clients.back());
    messages.push_back(random_bytes(kMessageBytes, static_cast<std::uint64_t>(i)));
  }
  // Everyone sends before anyone reads, so one turn has dozens of recvs and
  // sends to prepare on a queue of four.
  for (int i = 0; i < kClients; ++i) ASSERT_TRUE(send_all(clients[i].get(), messages[i]));
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(recv_exact(clients[i].get(), kMessageBytes, 20s), messages[i]) << "client " << i;
  }
  clients.clear();  // 64 closes in a burst: 64 more operations at once
  auto last = connect_loopback(server.port());
  ASSERT_TRUE(last);
  ASSERT_TRUE(send_all(last.get(), "still here\n"));
  EXPECT_EQ(recv_exact(last.get(), 11, 10s), "still here\n");
  last.reset();
  server.process().send_signal(SIGTERM);
  EXPECT_EQ(server.process().wait_exit(10s), 0) << server.process().stderr_text();
}

TEST(UringSubmissions, AnExitThatCannotWaitForItsCancelsStillEndsCleanly) {
  ECHO_SKIP_IF_ENGINE_UNAVAILABLE(std::string("uring"));
  SpawnOptions options;
  options.environment.push_back("ECHO_URING_EXIT_WAIT_MS=0");
  ServerProcess server("uring", {"--threads", "1", "--drain-timeout", "0"}, options);
  ASSERT_TRUE(server.started());
  auto client = connect_loopback(server.port());
  ASSERT_TRUE(client);
  ASSERT_TRUE(send_all(client.get(), "ping\n"));
  ASSERT_EQ(recv_exact(client.get(), 5, 5s), "ping\n");

  server.process().send_signal(SIGTERM);
  // The client gets its FIN; the loop then exits with its wake read (at
  // least) still in the kernel, and keeps that memory rather than free it.
  EXPECT_EQ(recv_until_end(client.get(), 10s).end, StreamEnd::eof);
  EXPECT_EQ(server.process().wait_exit(10s), 0) << server.process().stderr_text();
  EXPECT_NE(server.process().stderr_text().find("uring-exit-incomplete"), std::string::npos)
      << server.process().stderr_text();
}

}  // namespace
}  // namespace echo::test
