// Graceful shutdown, for every engine: the first SIGTERM/SIGINT closes the
// listeners at once, keeps serving open connections until --drain-timeout, then
// echoes what is held and ends each connection with a clean FIN; a second signal
// ends the process at once.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "behaviour/engine_param.hpp"
#include "net/unique_fd.hpp"
#include "support/client_socket.hpp"
#include "support/process.hpp"
#include "support/server_process.hpp"

namespace echo::test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kChunkBytes = 16 * 1024;
// Sent but not yet echoed, per client: keeps the check's memory small and the
// clients from outrunning the server without ever stopping to read.
constexpr std::size_t kMaxInFlightBytes = 64 * 1024;
constexpr auto kPollStep = 50ms;

std::chrono::milliseconds time_left(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? left : 0ms;
}

// After the server exits its last lines may still sit in the pipe: wait until the
// reader has seen the pipe close, so counts over stderr are complete.
void wait_for_stderr_end(Process& process) {
  process.wait_for_stderr("\x01never logged", 5s);
}

// A client that streams its own pseudo-random bytes and checks every echoed
// byte against what it sent, as it arrives.
struct StreamingClient {
  net::UniqueFd fd;
  std::uint64_t seed = 0;
  std::uint64_t chunks_made = 0;
  std::string outgoing;   // made, not yet accepted by send()
  std::string in_flight;  // sent, not yet echoed
  std::size_t bytes_sent = 0;
  std::size_t bytes_received = 0;
  std::optional<StreamEnd> end;
  int error = 0;
  bool mismatch = false;

  bool may_send() const { return !end && in_flight.size() < kMaxInFlightBytes; }

  void send_some() {
    if (outgoing.empty()) outgoing = random_bytes(kChunkBytes, seed * 1'000'003 + chunks_made++);
    const ssize_t n =
        ::send(fd.get(), outgoing.data(), outgoing.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      const auto sent = static_cast<std::size_t>(n);
      in_flight.append(outgoing, 0, sent);
      outgoing.erase(0, sent);
      bytes_sent += sent;
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
      finish(errno == ECONNRESET || errno == EPIPE ? StreamEnd::reset : StreamEnd::error, errno);
    }
  }

  void receive_some() {
    char buffer[65536];
    const ssize_t n = ::recv(fd.get(), buffer, sizeof buffer, MSG_DONTWAIT);
    if (n > 0) {
      const auto got = static_cast<std::size_t>(n);
      if (got > in_flight.size() || in_flight.compare(0, got, buffer, got) != 0) {
        mismatch = true;  // not a prefix of what was sent
        finish(StreamEnd::error, 0);
        return;
      }
      in_flight.erase(0, got);
      bytes_received += got;
    } else if (n == 0) {
      finish(StreamEnd::eof, 0);
    } else if (errno != EAGAIN && errno != EINTR) {
      finish(errno == ECONNRESET ? StreamEnd::reset : StreamEnd::error, errno);
    }
  }

  // Closing right after the server's FIN lets it see ours and close cleanly.
  void finish(StreamEnd how, int error_code) {
    end = how;
    error = error_code;
    fd.reset();
  }
};

// Moves bytes for every open client, in one poll loop, until done() or the deadline.
template <class Done>
bool pump_clients(std::vector<StreamingClient>& clients, Clock::time_point deadline, Done done) {
  std::vector<pollfd> fds;
  std::vector<StreamingClient*> owners;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    fds.clear();
    owners.clear();
    for (auto& client : clients) {
      if (client.end) continue;
      fds.push_back(
          {client.fd.get(), static_cast<short>(POLLIN | (client.may_send() ? POLLOUT : 0)), 0});
      owners.push_back(&client);
    }
    if (fds.empty()) return done();
    const int timeout_ms = static_cast<int>(
        std::min(time_left(deadline), std::chrono::milliseconds(kPollStep)).count());
    if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) return false;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      StreamingClient& client = *owners[i];
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) client.receive_some();
      if (!client.end && (fds[i].revents & POLLOUT) && client.may_send()) client.send_some();
    }
  }
  return true;
}

using DrainParam = std::tuple<std::string, int, ListenKind>;

class ShutdownDrain : public ::testing::TestWithParam<DrainParam> {
 protected:
  void SetUp() override { ECHO_SKIP_IF_ENGINE_UNAVAILABLE(engine()); }
  const std::string& engine() const { return std::get<0>(GetParam()); }
  int signal_number() const { return std::get<1>(GetParam()); }
  ServerKind kind() const { return {engine(), std::get<2>(GetParam())}; }
};

TEST_P(ShutdownDrain, ServesUntilTheDeadlineThenEndsEveryClientWithFin) {
  // The blocking engine serves one client at a time by design: the others would
  // sit in the backlog and be refused at the signal, so it streams with one.
  const int client_count = engine() == "blocking" ? 1 : 50;
  constexpr auto kDrainTimeout = 1s;
  ServerProcess server(kind(), {"--drain-timeout", "1s"});
  ASSERT_TRUE(server.started());

  std::vector<StreamingClient> clients(static_cast<std::size_t>(client_count));
  for (int i = 0; i < client_count; ++i) {
    int error = 0;
    clients[i].fd = server.connect(&error);
    ASSERT_TRUE(clients[i].fd) << "client " << i << ": " << std::strerror(error);
    clients[i].seed = 7000 + static_cast<std::uint64_t>(i);
  }

  const auto everyone_echoed = [&] {
    for (const auto& c : clients)
      if (c.bytes_received == 0) return false;
    return true;
  };
  ASSERT_TRUE(pump_clients(clients, Clock::now() + 30s, everyone_echoed))
      << "not every client got an echo before the signal";
  for (const auto& c : clients)
    ASSERT_FALSE(c.end) << "ended before the signal: " << to_string(*c.end);

  const auto signalled_at = Clock::now();
  server.process().send_signal(signal_number());
  const std::string draining_line =
      std::string("info draining signal=") + (signal_number() == SIGTERM ? "TERM" : "INT");
  // Keep streaming while waiting for the log line.
  ASSERT_TRUE(pump_clients(clients, Clock::now() + 10s,
                           [&] { return server.process().count_stderr(draining_line) > 0; }))
      << "no '" << draining_line << "'; stderr:\n"
      << server.process().stderr_text();
  for (const auto& c : clients) EXPECT_FALSE(c.end) << "ended before the drain deadline";

  int error = 0;
  auto late = server.connect(&error, 2s);
  EXPECT_FALSE(late) << "a connect made after the 'draining' line was accepted: the listener "
                        "must be shut before that line is logged";
  EXPECT_EQ(error, ECONNREFUSED) << std::strerror(error);
  late.reset();  // if it got in anyway, do not let it hold up the rest of the drain

  std::vector<std::size_t> received_at_drain;
  for (const auto& c : clients) received_at_drain.push_back(c.bytes_received);
  const auto all_ended = [&] {
    for (const auto& c : clients)
      if (!c.end) return false;
    return true;
  };
  EXPECT_TRUE(pump_clients(clients, signalled_at + 15s, all_ended)) << "clients still open";

  for (int i = 0; i < client_count; ++i) {
    const auto& c = clients[i];
    ASSERT_TRUE(c.end) << "client " << i;
    EXPECT_EQ(*c.end, StreamEnd::eof)
        << "client " << i << " ended with " << to_string(*c.end) << " " << std::strerror(c.error);
    EXPECT_FALSE(c.mismatch) << "client " << i << " got bytes it did not send, or out of order";
    EXPECT_GT(c.bytes_received, received_at_drain[i])
        << "client " << i << " not served while draining";
    EXPECT_LE(c.bytes_received, c.bytes_sent);
  }

  const auto code = server.process().wait_exit(time_left(signalled_at + kDrainTimeout + 3s));
  ASSERT_TRUE(code) << "server still running 3 s past the drain timeout";
  EXPECT_EQ(*code, 0) << server.process().stderr_text();
  wait_for_stderr_end(server.process());
  EXPECT_EQ(server.process().count_stderr("reason=shutdown"),
            static_cast<std::size_t>(client_count))
      << server.process().stderr_text();
  EXPECT_EQ(server.process().count_stderr("info stopped"), 1u) << server.process().stderr_text();
}

std::string drain_test_name(const ::testing::TestParamInfo<DrainParam>& param_info) {
  return std::get<0>(param_info.param) +
         (std::get<1>(param_info.param) == SIGTERM ? "_SIGTERM" : "_SIGINT");
}

INSTANTIATE_TEST_SUITE_P(AllEnginesAndSignals, ShutdownDrain,
                         ::testing::Combine(::testing::Values(ECHO_ENGINE_NAMES),
                                            ::testing::Values(SIGTERM, SIGINT),
                                            ::testing::Values(ListenKind::tcp)),
                         drain_test_name);
// Over IPv6 and a Unix listener, SIGTERM only: both signals take one path,
// which the IPv4 runs cover.
INSTANTIATE_TEST_SUITE_P(IPv6Listener, ShutdownDrain,
                         ::testing::Combine(::testing::Values(ECHO_ENGINE_NAMES),
                                            ::testing::Values(SIGTERM),
                                            ::testing::Values(ListenKind::tcp6)),
                         drain_test_name);
INSTANTIATE_TEST_SUITE_P(UnixListener, ShutdownDrain,
                         ::testing::Combine(::testing::Values(ECHO_ENGINE_NAMES),
                                            ::testing::Values(SIGTERM),
                                            ::testing::Values(ListenKind::unix_socket)),
                         drain_test_name);

class Shutdown : public EngineTest {};

TEST_P(Shutdown, SecondSignalExitsAtOnce) {
  ServerProcess server(kind(), {"--drain-timeout", "30s"});
  ASSERT_TRUE(server.started());
  auto fd = server.connect();
  ASSERT_TRUE(fd);
  ASSERT_TRUE(send_all(fd.get(), "hold\n"));
  ASSERT_EQ(recv_exact(fd.get(), 5), "hold\n");  // accepted and being served

  server.process().send_signal(SIGTERM);
  ASSERT_TRUE(
      server.process().wait_for_stderr("info draining signal=TERM drain_timeout_ms=30000", 5s))
      << server.process().stderr_text();
  server.process().send_signal(SIGTERM);
  const auto code = server.process().wait_exit(3s);
  ASSERT_TRUE(code) << "still running 3 s after the second signal";
  wait_for_stderr_end(server.process());
  EXPECT_EQ(*code, 128 + SIGTERM) << server.process().stderr_text();
  const auto exit_now = server.process().wait_for_stderr("exit-now", 1s);
  ASSERT_TRUE(exit_now) << server.process().stderr_text();
  EXPECT_NE(exit_now->find("warn exit-now signal=TERM"), std::string::npos) << *exit_now;
  EXPECT_EQ(server.process().count_stderr("exit-now"), 1u) << server.process().stderr_text();
  EXPECT_EQ(server.process().count_stderr("info stopped"), 0u);
}

TEST_P(Shutdown, IdleClientGetsACleanFinAtTheDrainDeadline) {
  ServerProcess server(kind(), {"--drain-timeout", "1s"});
  ASSERT_TRUE(server.started());
  auto fd = server.connect();
  ASSERT_TRUE(fd);
  ASSERT_TRUE(send_all(fd.get(), "hello\n"));
  ASSERT_EQ(recv_exact(fd.get(), 6), "hello\n");  // accepted, now idle

  const auto signalled_at = Clock::now();
  server.process().send_signal(SIGTERM);
  const RecvAll result = recv_until_end(fd.get(), 10s);
  const auto waited = Clock::now() - signalled_at;
  EXPECT_EQ(result.end, StreamEnd::eof)
      << to_string(result.end) << " " << std::strerror(result.error);
  EXPECT_TRUE(result.data.empty());
  // An idle connection is still an open one: it is kept until the deadline.
  EXPECT_GE(waited, 1s);
  fd.reset();

  const auto close_line = server.process().wait_for_stderr("reason=shutdown", 5s);
  ASSERT_TRUE(close_line) << server.process().stderr_text();
  EXPECT_NE(close_line->find(" in=6 out=6 "), std::string::npos) << *close_line;
  const auto code = server.process().wait_exit(time_left(signalled_at + 1s + 3s));
  ASSERT_TRUE(code) << "server still running 3 s past the drain timeout";
  EXPECT_EQ(*code, 0) << server.process().stderr_text();
  wait_for_stderr_end(server.process());
  EXPECT_EQ(server.process().count_stderr("info stopped"), 1u) << server.process().stderr_text();
}

ECHO_INSTANTIATE_ENGINES(Shutdown);

}  // namespace
}  // namespace echo::test
