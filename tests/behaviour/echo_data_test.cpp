// Echo correctness for every engine: every byte value, large streams compared by
// a running hash while writer and reader run at once, many concurrent clients,
// tiny writes, half-close, a peer that resets mid-stream, and a tiny server
// buffer. Real loopback sockets; every wait has a deadline.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "behaviour/engine_param.hpp"
#include "net/unique_fd.hpp"
#include "support/client_socket.hpp"
#include "support/server_process.hpp"

namespace echo::test {
namespace {

using Clock = std::chrono::steady_clock;

// Sanitizers slow the server several times over; the stream tests shrink so
// each stays well under a minute there too.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr std::size_t kLargeStreamBytes = 16u << 20;
#else
constexpr std::size_t kLargeStreamBytes = 64u << 20;
#endif
constexpr std::size_t kStreamChunkBytes = 256u << 10;
constexpr auto kStreamDeadline = 45s;

// A 64-bit hash of a byte stream that does not depend on how the stream was cut
// into pieces: bytes are gathered into 8-byte words, each word mixed in turn.
class StreamHash {
 public:
  void add(std::string_view bytes) {
    total_bytes_ += bytes.size();
    std::size_t i = 0;
    while (pending_count_ != 0 && i < bytes.size()) push_byte(bytes[i++]);
    for (; i + 8 <= bytes.size(); i += 8) {
      std::uint64_t word;
      std::memcpy(&word, bytes.data() + i, sizeof word);
      mix(word);
    }
    for (; i < bytes.size(); ++i) push_byte(bytes[i]);
  }

  std::uint64_t digest() const {
    StreamHash copy = *this;
    copy.mix(copy.pending_word_);  // the last partial word, zero-padded
    copy.mix(total_bytes_);
    std::uint64_t h = copy.state_;
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    return h;
  }

  std::uint64_t total_bytes() const { return total_bytes_; }

 private:
  // Little-endian assembly, so a word made byte by byte equals one memcpy'd whole.
  void push_byte(char byte) {
    pending_word_ |= std::uint64_t{static_cast<unsigned char>(byte)} << (8 * pending_count_);
    if (++pending_count_ == sizeof pending_word_) {
      mix(pending_word_);
      pending_word_ = 0;
      pending_count_ = 0;
    }
  }
  void mix(std::uint64_t word) {
    state_ ^= word * 0x9E3779B97F4A7C15ULL;
    state_ = std::rotl(state_, 27) * 0xC2B2AE3D27D4EB4FULL + 0x165667B19E3779F9ULL;
  }

  std::uint64_t state_ = 0xCBF29CE484222325ULL;
  std::uint64_t total_bytes_ = 0;
  std::uint64_t pending_word_ = 0;
  std::size_t pending_count_ = 0;
};

// Seeded sizes, so a failing run reproduces.
class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

struct StreamOutcome {
  bool all_sent = false;
  StreamHash sent;
  StreamHash received;
  StreamEnd end = StreamEnd::timeout;
};

// Streams total_bytes of seeded data through the echo from a writer thread while
// this thread reads and hashes the echo. The writer half-closes when done; the
// read ends at the server's FIN, an error or the deadline.
StreamOutcome stream_through(int fd, std::size_t total_bytes, std::uint64_t seed) {
  StreamOutcome outcome;
  const auto deadline = Clock::now() + kStreamDeadline;
  std::thread writer([&] {
    for (std::size_t offset = 0, chunk = 0; offset < total_bytes;
         offset += kStreamChunkBytes, ++chunk) {
      const std::string data =
          random_bytes(std::min(kStreamChunkBytes, total_bytes - offset), seed + chunk);
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0 || !send_all(fd, data, left)) {
        ::shutdown(fd, SHUT_RDWR);  // the reader need not wait out the deadline
        return;
      }
      outcome.sent.add(data);
    }
    outcome.all_sent = ::shutdown(fd, SHUT_WR) == 0;
  });

  std::string buffer(1 << 16, '\0');
  for (;;) {
    const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n > 0) {
      outcome.received.add(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
      continue;
    }
    if (n == 0) {
      outcome.end = StreamEnd::eof;
      break;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) {
      outcome.end = errno == ECONNRESET ? StreamEnd::reset : StreamEnd::error;
      break;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0 || !wait_readable(fd, left)) break;
  }
  // Unblocks a writer still waiting for room if the read side gave up early.
  if (outcome.end != StreamEnd::eof) ::shutdown(fd, SHUT_RDWR);
  writer.join();
  return outcome;
}

// The server's close line for a client (peer_name): only close lines carry "in=".
// Unix clients are all "peer=unix": these tests have one client at a time.
std::string close_needle(const std::string& peer) {
  return "peer=" + peer + " in=";
}

class EchoData : public EngineTest {};

TEST_P(EchoData, EveryByteValueEchoesUnchanged) {
  ServerProcess server(kind());
  ASSERT_TRUE(server.started());
  auto fd = server.connect();
  ASSERT_TRUE(fd);

  std::string all_values;
  for (int round = 0; round < 4; ++round) {
    for (int value = 0; value < 256; ++value) all_values.push_back(static_cast<char>(value));
    for (int value = 255; value >= 0; --value) all_values.push_back(static_cast<char>(value));
  }
  ASSERT_TRUE(send_all(fd.get(), all_values));
  EXPECT_EQ(recv_exact(fd.get(), all_values.size()), all_values);

  // Mostly NUL, a few other bytes, no newline anywhere: nothing may treat it as text.
  std::string nul_heavy(20000, '\0');
  for (std::size_t i = 0; i < nul_heavy.size(); i += 997) nul_heavy[i] = static_cast<char>(0xFF);
  nul_heavy[1] = '\r';
  nul_heavy.back() = '\x01';
  ASSERT_EQ(nul_heavy.find('\n'), std::string::npos);
  ASSERT_TRUE(send_all(fd.get(), nul_heavy));
  const std::string echoed = recv_exact(fd.get(), nul_heavy.size());
  EXPECT_EQ(echoed.size(), nul_heavy.size());
  EXPECT_TRUE(echoed == nul_heavy) << "NUL-heavy payload came back altered";
}

TEST_P(EchoData, LargeStreamMatchesByHashThenEndsCleanly) {
  ServerProcess server(kind());
  ASSERT_TRUE(server.started());
  auto fd = server.connect();
  ASSERT_TRUE(fd);

  const StreamOutcome outcome = stream_through(fd.get(), kLargeStreamBytes, 862);
  EXPECT_TRUE(outcome.all_sent) << "sent " << outcome.sent.total_bytes() << " of "
                                << kLargeStreamBytes;
  EXPECT_EQ(outcome.sent.total_bytes(), kLargeStreamBytes);
  EXPECT_EQ(outcome.received.total_bytes(), kLargeStreamBytes);
  EXPECT_EQ(outcome.received.digest(), outcome.sent.digest())
      << "echoed stream differs from the sent one";
  EXPECT_TRUE(outcome.end == StreamEnd::eof)
      << "expected the server's FIN after the half-close, got " << to_string(outcome.end);
}

// The event loops echo bulk streams by splice(2) through a pipe from their
// pool (--splice-pipes); with none they copy. Both must echo exactly, and the
// loop's exit line (debug) says whether pipes were used. (uring: the loop
// takes a bulk stream off the ring's recvs and pumps it on readiness.)
class Splice : public ::testing::TestWithParam<std::string> {};

TEST_P(Splice, BulkStreamIsSplicedOrCopiedAsConfiguredAndEchoesExactly) {
  constexpr std::size_t kBytes = 16u << 20;
  for (const std::string pipes : {"32", "0"}) {
    SCOPED_TRACE("--splice-pipes " + pipes);
    ServerProcess server(GetParam(),
                         {"--threads", "1", "--log-level", "debug", "--splice-pipes", pipes});
    ASSERT_TRUE(server.started());
    auto fd = server.connect();
    ASSERT_TRUE(fd);
    const StreamOutcome outcome = stream_through(fd.get(), kBytes, 4242);
    EXPECT_EQ(outcome.received.total_bytes(), kBytes);
    EXPECT_EQ(outcome.received.digest(), outcome.sent.digest());
    EXPECT_TRUE(outcome.end == StreamEnd::eof) << to_string(outcome.end);

    server.process().send_signal(SIGTERM);
    ASSERT_EQ(server.process().wait_exit(10s), 0);
    const std::string log = server.process().stderr_text();
    const auto at = log.find("splice-pipes created=");
    ASSERT_NE(at, std::string::npos) << log;
    const std::string line = log.substr(at, log.find('\n', at) - at);
    if (pipes == "0") {
      EXPECT_EQ(line, "splice-pipes created=0 lent=0");
    } else {
      EXPECT_NE(line.find("created=1 "), std::string::npos) << line;
      EXPECT_EQ(line.find("lent=0"), std::string::npos) << line;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EventLoops, Splice, ::testing::Values("epoll", "uring"),
                         [](const auto& param_info) { return param_info.param; });

// A connection that streams in bulk (splice), then turns to small round
// trips, then streams again and half-closes: every switch between the paths
// keeps the bytes exact and in order, on every engine.
TEST_P(EchoData, BulkThenSmallMessagesThenBulkAgain) {
  ServerProcess server(kind());
  ASSERT_TRUE(server.started());
  auto fd = server.connect();
  ASSERT_TRUE(fd);
  // 64 KiB at a time, each read back before the next: several full buffers
  // per chunk (bulk), and never more in flight than the socket buffers hold.
  const auto bulk_round = [&](std::uint64_t seed) {
    for (int chunk = 0; chunk < 64; ++chunk) {
      const std::string data = random_bytes(64 * 1024, seed * 1000 + chunk);
      ASSERT_TRUE(send_all(fd.get(), data));
      ASSERT_EQ(recv_exact(fd.get(), data.size()), data) << "bulk chunk " << chunk;
    }
  };
  bulk_round(1);
  for (int i = 0; i < 200; ++i) {
    const std::string message = "small message " + std::to_string(i);
    ASSERT_TRUE(send_all(fd.get(), message));
    ASSERT_EQ(recv_exact(fd.get(), message.size()), message) << "round trip " << i;
  }
  bulk_round(2);
  ASSERT_EQ(::shutdown(fd.get(), SHUT_WR), 0);
  EXPECT_TRUE(recv_until_end(fd.get()).end == StreamEnd::eof) << "expected the server's FIN";
}

TEST_P(EchoData, TinyBufferStillEchoesExactly) {
  ServerProcess server(kind(), {"--buffer-size", "64"});
  ASSERT_TRUE(server.started());
  auto fd = server.connect();
  ASSERT_TRUE(fd);

  constexpr std::size_t kBytes = 1u << 20;
  const StreamOutcome outcome = stream_through(fd.get(), kBytes, 64);
  EXPECT_TRUE(outcome.all_sent);
  EXPECT_EQ(outcome.received.total_bytes(), kBytes);
  EXPECT_EQ(outcome.received.digest(), outcome.sent.digest());
  EXPECT_TRUE(outcome.end == StreamEnd::eof) << "stream ended with " << to_string(outcome.end);
}

TEST_P(EchoData, SingleByteWritesArriveInOrder) {
  ServerProcess server(kind());
  ASSERT_TRUE(server.started());
  auto fd = server.connect();
  ASSERT_TRUE(fd);
  // Without Nagle each one-byte send leaves as its own segment, as far as the
  // kernel allows; the echo may still come back coalesced. (A Unix socket has no
  // Nagle: each send is its own message already.)
  const int on = 1;
  if (!over_unix()) {
    ASSERT_EQ(::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on), 0);
  }

  constexpr std::size_t kWrites = 4000;
  const std::string expected = random_bytes(kWrites, 4000);
  std::string echoed;
  char buffer[4096];
  for (std::size_t i = 0; i < kWrites; ++i) {
    ASSERT_TRUE(send_all(fd.get(), std::string_view(&expected[i], 1))) << "write " << i;
    // Take whatever echo is already there, so reads and writes interleave.
    const ssize_t n = ::recv(fd.get(), buffer, sizeof buffer, MSG_DONTWAIT);
    if (n > 0) echoed.append(buffer, static_cast<std::size_t>(n));
  }
  echoed += recv_exact(fd.get(), kWrites - echoed.size());
  EXPECT_EQ(echoed.size(), kWrites);
  EXPECT_TRUE(echoed == expected) << "bytes reordered, lost or altered";
}

TEST_P(EchoData, HalfCloseEchoesEverythingThenEof) {
  ServerProcess server(kind());
  ASSERT_TRUE(server.started());
  auto fd = server.connect();
  ASSERT_TRUE(fd);
  const std::string peer = peer_name(fd.get());

  const std::string data = random_bytes(64 * 1024 + 7, 5);
  ASSERT_TRUE(send_all(fd.get(), data));
  ASSERT_EQ(::shutdown(fd.get(), SHUT_WR), 0);
  const RecvAll echo = recv_until_end(fd.get());
  EXPECT_TRUE(echo.end == StreamEnd::eof)
      << "stream ended with " << to_string(echo.end) << ", errno " << echo.error;
  EXPECT_EQ(echo.data.size(), data.size());
  EXPECT_TRUE(echo.data == data);

  const auto line = server.process().wait_for_stderr(close_needle(peer), 5s);
  ASSERT_TRUE(line) << server.process().stderr_text();
  const std::string count = std::to_string(data.size());
  EXPECT_NE(line->find(" in=" + count + " out=" + count + " "), std::string::npos) << *line;
  EXPECT_NE(line->find("reason=eof"), std::string::npos) << *line;
}

TEST_P(EchoData, HalfCloseWithoutDataGivesEof) {
  ServerProcess server(kind());
  ASSERT_TRUE(server.started());
  auto fd = server.connect();
  ASSERT_TRUE(fd);
  const std::string peer = peer_name(fd.get());

  ASSERT_EQ(::shutdown(fd.get(), SHUT_WR), 0);
  const RecvAll echo = recv_until_end(fd.get());
  EXPECT_TRUE(echo.end == StreamEnd::eof)
      << "stream ended with " << to_string(echo.end) << ", errno " << echo.error;
  EXPECT_EQ(echo.data, "");

  const auto line = server.process().wait_for_stderr(close_needle(peer), 5s);
  ASSERT_TRUE(line) << server.process().stderr_text();
  EXPECT_NE(line->find(" in=0 out=0 "), std::string::npos) << *line;
  EXPECT_NE(line->find("reason=eof"), std::string::npos) << *line;
}

TEST_P(EchoData, ClientResetMidStreamLeavesServerServing) {
  ServerProcess server(kind());
  ASSERT_TRUE(server.started());
  std::string reset_peer;
  {
    auto fd = server.connect();
    ASSERT_TRUE(fd);
    reset_peer = peer_name(fd.get());
    // Fill what the socket takes at once, without reading the echo back.
    const std::string data = random_bytes(1u << 20, 6);
    const ssize_t sent = ::send(fd.get(), data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    ASSERT_GT(sent, 0);
    // The echo has started: bytes are in flight both ways when the reset comes.
    ASSERT_TRUE(wait_readable(fd.get(), 10s));
    const linger abortive{1, 0};
    ASSERT_EQ(::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive), 0);
  }  // close with zero linger: RST

  const auto line = server.process().wait_for_stderr(close_needle(reset_peer), 10s);
  ASSERT_TRUE(line) << "no close line for the reset client; stderr:\n"
                    << server.process().stderr_text();
  EXPECT_NE(line->find("reason=reset"), std::string::npos) << *line;

  auto next = server.connect();
  ASSERT_TRUE(next);
  ASSERT_TRUE(send_all(next.get(), "hello\n"));
  EXPECT_EQ(recv_exact(next.get(), 6, 5s), "hello\n");
  EXPECT_TRUE(server.process().running());
}

// One poll loop drives every client: connect all, then each sends a message,
// reads its echo back in full, compares, and moves on; after the last message it
// half-closes and expects a bare EOF. On the blocking engine the clients are
// served one after another from the backlog, which the deadline allows for.
TEST_P(EchoData, ManyConcurrentClientsGetTheirOwnEchoes) {
  constexpr std::size_t kClients = 200;
  constexpr std::size_t kMessagesPerClient = 3;
  constexpr std::size_t kMaxMessageBytes = 64 * 1024;
  constexpr auto kDeadline = 50s;

  ServerProcess server(kind());
  ASSERT_TRUE(server.started());

  enum class Phase { sending, awaiting_eof, done };
  struct Client {
    net::UniqueFd fd;
    SplitMix sizes{0};
    std::size_t message = 0;
    std::string expected;
    std::size_t sent = 0;
    std::string received;
    Phase phase = Phase::sending;
  };
  const auto message_for = [](std::size_t client, std::size_t message, SplitMix& sizes) {
    const std::size_t bytes = 1 + sizes.next() % kMaxMessageBytes;
    return random_bytes(bytes, client * 1000 + message);
  };

  std::vector<Client> clients(kClients);
  for (std::size_t i = 0; i < kClients; ++i) {
    clients[i].fd = server.connect();
    ASSERT_TRUE(clients[i].fd) << "client " << i;
    clients[i].sizes = SplitMix(862 + i);
    clients[i].expected = message_for(i, 0, clients[i].sizes);
  }

  std::vector<std::string> failures;
  const auto fail = [&](std::size_t i, const std::string& why) {
    failures.push_back("client " + std::to_string(i) + " message " +
                       std::to_string(clients[i].message) + ": " + why);
    clients[i].fd.reset();
    clients[i].phase = Phase::done;
  };

  const auto deadline = Clock::now() + kDeadline;
  std::vector<pollfd> fds;
  std::vector<std::size_t> owners;
  std::string buffer(1 << 16, '\0');
  while (Clock::now() < deadline) {
    fds.clear();
    owners.clear();
    for (std::size_t i = 0; i < kClients; ++i) {
      const Client& c = clients[i];
      if (c.phase == Phase::done) continue;
      const bool writing = c.phase == Phase::sending && c.sent < c.expected.size();
      fds.push_back({c.fd.get(), static_cast<short>(POLLIN | (writing ? POLLOUT : 0)), 0});
      owners.push_back(i);
    }
    if (fds.empty()) break;
    const int ready = ::poll(fds.data(), fds.size(), 100);
    if (ready < 0 && errno != EINTR) break;

    for (std::size_t k = 0; k < fds.size(); ++k) {
      if (fds[k].revents == 0) continue;
      const std::size_t i = owners[k];
      Client& c = clients[i];
      if ((fds[k].revents & POLLOUT) && c.sent < c.expected.size()) {
        const ssize_t n = ::send(c.fd.get(), c.expected.data() + c.sent, c.expected.size() - c.sent,
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
          c.sent += static_cast<std::size_t>(n);
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
          fail(i, std::string("send: ") + std::strerror(errno));
          continue;
        }
      }
      if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      // Never read past the current message: extra bytes must show up as a mismatch.
      const std::size_t want =
          c.phase == Phase::sending ? c.expected.size() - c.received.size() : buffer.size();
      const ssize_t n = ::recv(c.fd.get(), buffer.data(), want, MSG_DONTWAIT);
      if (n < 0) {
        if (errno != EAGAIN && errno != EINTR)
          fail(i, std::string("recv: ") + std::strerror(errno));
        continue;
      }
      if (n == 0) {
        if (c.phase == Phase::awaiting_eof) {
          c.fd.reset();
          c.phase = Phase::done;
        } else {
          fail(i, "EOF after " + std::to_string(c.received.size()) + " of " +
                      std::to_string(c.expected.size()));
        }
        continue;
      }
      if (c.phase == Phase::awaiting_eof) {
        fail(i, std::to_string(n) + " bytes echoed beyond what was sent");
        continue;
      }
      c.received.append(buffer.data(), static_cast<std::size_t>(n));
      if (c.received.size() < c.expected.size()) continue;
      if (c.received != c.expected) {
        fail(i, "echo of " + std::to_string(c.expected.size()) + " bytes differs");
        continue;
      }
      c.received.clear();
      c.sent = 0;
      if (++c.message < kMessagesPerClient) {
        c.expected = message_for(i, c.message, c.sizes);
      } else {
        c.expected.clear();
        ::shutdown(c.fd.get(), SHUT_WR);
        c.phase = Phase::awaiting_eof;
      }
    }
  }

  std::size_t unfinished = 0;
  for (const Client& c : clients) unfinished += c.phase != Phase::done;
  EXPECT_EQ(unfinished, 0u) << "clients still running at the deadline";
  EXPECT_TRUE(failures.empty()) << failures.size()
                                << " clients failed, first: " << failures.front();
}

ECHO_INSTANTIATE_ENGINES(EchoData);

}  // namespace
}  // namespace echo::test
