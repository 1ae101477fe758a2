// Backpressure for every engine: a client that sends without reading its echoes
// must soon be unable to send more (the server stops reading from it once its
// buffer is held), the server's memory must not grow with what that client
// tries to send, other clients must be served meanwhile, and when the slow client
// finally reads, every byte comes back in order.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>

#include "behaviour/engine_param.hpp"
#include "net/unique_fd.hpp"
#include "support/client_socket.hpp"
#include "support/server_process.hpp"

namespace echo::test {
namespace {

using Clock = std::chrono::steady_clock;

// A connection counts as stuck when its sends make no progress this long.
constexpr auto kStuckAfter = 500ms;
// What the slow client would send if nothing stopped it.
constexpr std::size_t kSendCapBytes = 256u << 20;
// Kernel socket buffers on both sides may absorb tens of MiB on loopback; a
// server that kept reading would let the client reach the cap.
constexpr std::size_t kStuckBelowBytes = kSendCapBytes / 4;
// The server holds at most --buffer-size (16 KiB) for the connection; the rest
// of this allowance is for allocator and thread start-up noise.
constexpr std::size_t kMaxResidentGrowthKib = 16 * 1024;
constexpr std::size_t kChunkBytes = 64 * 1024;
constexpr auto kPhaseDeadline = 30s;
constexpr std::uint64_t kSeed = 7;

// Byte k of the slow client's stream is byte k % 8 of splitmix64 word k / 8, so
// any stretch of it can be regenerated to check the echo without storing it.
void fill_pattern(std::uint64_t seed, std::size_t offset, char* out, std::size_t length) {
  std::uint64_t word = 0;
  for (std::size_t i = 0; i < length; ++i) {
    const std::size_t position = offset + i;
    if (i == 0 || position % 8 == 0) {
      std::uint64_t z = seed + (position / 8 + 1) * 0x9E3779B97F4A7C15ULL;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      word = z ^ (z >> 31);
    }
    out[i] = static_cast<char>(word >> (8 * (position % 8)));
  }
}

// Sends the pattern without ever reading, until sends make no progress for
// kStuckAfter, the cap is reached, a send fails or the deadline passes.
// Returns the bytes the kernel accepted.
std::size_t send_until_stuck(int fd) {
  const auto deadline = Clock::now() + kPhaseDeadline;
  std::string chunk(kChunkBytes, '\0');
  std::size_t chunk_offset = 0;
  std::size_t chunk_used = chunk.size();  // nothing generated yet
  std::size_t sent = 0;
  while (sent < kSendCapBytes && Clock::now() < deadline) {
    if (chunk_used == chunk.size()) {
      chunk_offset = sent;
      chunk_used = 0;
      fill_pattern(kSeed, chunk_offset, chunk.data(), chunk.size());
    }
    const ssize_t n = ::send(fd, chunk.data() + chunk_used, chunk.size() - chunk_used,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      chunk_used += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) break;
    pollfd pfd{fd, POLLOUT, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(kStuckAfter.count()));
    if (ready == 0) break;  // stuck: the bounded condition this test waits for
  }
  return sent;
}

// Reads `expected_bytes` back and checks each piece against the pattern.
// Returns the number of bytes that matched before the first difference.
std::size_t read_back_and_verify(int fd, std::size_t expected_bytes) {
  const auto deadline = Clock::now() + kPhaseDeadline;
  std::string received(kChunkBytes, '\0');
  std::string expected(kChunkBytes, '\0');
  std::size_t verified = 0;
  while (verified < expected_bytes) {
    const std::size_t want = std::min(received.size(), expected_bytes - verified);
    const ssize_t n = ::recv(fd, received.data(), want, MSG_DONTWAIT);
    if (n > 0) {
      const auto got = static_cast<std::size_t>(n);
      fill_pattern(kSeed, verified, expected.data(), got);
      if (std::memcmp(received.data(), expected.data(), got) != 0) {
        std::size_t first = 0;
        while (received[first] == expected[first]) ++first;
        return verified + first;
      }
      verified += got;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 || errno != EAGAIN) break;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0 || !wait_readable(fd, left)) break;
  }
  return verified;
}

// The slow client finally reads: every byte it sent comes back in order, then a
// half-close ends the connection cleanly and the server counts the same bytes.
void expect_drains_completely(ServerProcess& server, int fd, std::size_t sent) {
  const std::string peer = peer_name(fd);
  EXPECT_EQ(read_back_and_verify(fd, sent), sent)
      << "echo differs or stops before " << sent << " bytes";
  ASSERT_EQ(::shutdown(fd, SHUT_WR), 0);
  const RecvAll tail = recv_until_end(fd);
  EXPECT_TRUE(tail.end == StreamEnd::eof)
      << "no clean EOF after the half-close (StreamEnd " << static_cast<int>(tail.end) << ", errno "
      << tail.error << ")";
  EXPECT_EQ(tail.data.size(), 0u) << "echo longer than what was sent";

  const auto line = server.process().wait_for_stderr("peer=" + peer + " in=", 5s);
  ASSERT_TRUE(line) << server.process().stderr_text();
  const std::string count = std::to_string(sent);
  EXPECT_NE(line->find(" in=" + count + " out=" + count + " "), std::string::npos) << *line;
  EXPECT_NE(line->find("reason=eof"), std::string::npos) << *line;
}

class Backpressure : public EngineTest {};

TEST_P(Backpressure, SlowReaderIsThrottledWithoutServerMemoryGrowth) {
  // The slow client is held far longer than the default write timeout allows.
  ServerProcess server(kind(), {"--write-timeout", "off"});
  ASSERT_TRUE(server.started());
  const std::size_t resident_before_kib = server.resident_kib();
  ASSERT_GT(resident_before_kib, 0u);

  auto slow = server.connect();
  ASSERT_TRUE(slow);
  const std::size_t sent = send_until_stuck(slow.get());
  const std::size_t resident_stuck_kib = server.resident_kib();
  RecordProperty("stuck_after_bytes", std::to_string(sent));
  RecordProperty("resident_before_kib", std::to_string(resident_before_kib));
  RecordProperty("resident_stuck_kib", std::to_string(resident_stuck_kib));

  EXPECT_GT(sent, 0u);
  EXPECT_LT(sent, kStuckBelowBytes) << "the client was never stopped: the server kept reading";
  EXPECT_LT(resident_stuck_kib, resident_before_kib + kMaxResidentGrowthKib)
      << "server resident memory went from " << resident_before_kib << " KiB to "
      << resident_stuck_kib << " KiB while the client had " << sent << " bytes in flight";
  EXPECT_TRUE(server.process().running());

  expect_drains_completely(server, slow.get(), sent);
}

TEST_P(Backpressure, OtherClientsAreServedWhileOneIsStuck) {
  if (is_blocking()) GTEST_SKIP() << "blocking engine serves one client at a time by design";
  ServerProcess server(kind(), {"--write-timeout", "off"});
  ASSERT_TRUE(server.started());

  auto slow = server.connect();
  ASSERT_TRUE(slow);
  const std::size_t sent = send_until_stuck(slow.get());
  ASSERT_LT(sent, kStuckBelowBytes) << "the client was never stopped";

  auto other = server.connect();
  ASSERT_TRUE(other);
  const auto started = Clock::now();
  ASSERT_TRUE(send_all(other.get(), "hello\n", 2s));
  EXPECT_EQ(recv_exact(other.get(), 6, 2s), "hello\n") << "a stuck client held up another one";
  EXPECT_LT(Clock::now() - started, 2s);

  // The stuck client is still whole afterwards.
  expect_drains_completely(server, slow.get(), sent);
}

ECHO_INSTANTIATE_ENGINES(Backpressure);

}  // namespace
}  // namespace echo::test
