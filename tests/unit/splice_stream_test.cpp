// EchoStream's splice path against real kernel objects: a Unix socket pair (the
// "connection", which splices like TCP) and the pipes of a PipePool. The policy
// under test: bulk reads switch to a pipe, a small read switches back, an idle
// stream holds no pipe, a stuck one holds at most one chunk, and a pipe still
// holding bytes at release is closed rather than reused.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cstring>
#include <string>

#include "core/echo_stream.hpp"
#include "net/socket_io.hpp"
#include "net/unique_fd.hpp"

namespace echo {
namespace {

constexpr std::size_t kChunk = PipePool::kMinChunkBytes;

struct Pair {
  net::UniqueFd server;  // non-blocking, pumped by the stream
  net::UniqueFd client;  // the test's end, blocking
};

Pair make_pair() {
  int ends[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends), 0);
  ::fcntl(ends[0], F_SETFL, O_NONBLOCK);
  return {net::UniqueFd(ends[0]), net::UniqueFd(ends[1])};
}

std::string pattern(std::size_t bytes, char seed) {
  std::string s(bytes, '\0');
  for (std::size_t i = 0; i < bytes; ++i) s[i] = static_cast<char>(seed + i * 7 + i / 251);
  return s;
}

void send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    ASSERT_GT(n, 0);
    sent += static_cast<std::size_t>(n);
  }
}

std::string recv_available(int fd) {
  std::string out;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n <= 0) return out;
    out.append(buffer, static_cast<std::size_t>(n));
  }
}

TEST(SpliceStream, BulkGoesThroughAPipeAndASmallMessageGoesBackToCopying) {
  Pair pair = make_pair();
  BufferPool buffers(kChunk);
  PipePool pipes(4, kChunk);
  EchoStream stream;
  net::SocketIo io{pair.server.get()};

  const std::string bulk = pattern(16 * kChunk, 'a');
  send_all(pair.client.get(), bulk);
  PumpResult result = stream.pump(io, buffers, SIZE_MAX, &pipes);
  EXPECT_EQ(result.state, PumpState::want_read);
  EXPECT_EQ(result.bytes_read, bulk.size());
  EXPECT_EQ(recv_available(pair.client.get()), bulk);
  EXPECT_EQ(pipes.lent(), 1u) << "two full reads should have switched the stream to a pipe";
  EXPECT_FALSE(stream.holds_pipe()) << "an idle stream holds no pipe";
  EXPECT_FALSE(stream.holds_buffer());

  // Still counted as bulk, so the next read splices, sees a small message and
  // turns back to copying; the one after copies from the start.
  send_all(pair.client.get(), "small");
  result = stream.pump(io, buffers, SIZE_MAX, &pipes);
  EXPECT_EQ(recv_available(pair.client.get()), "small");
  EXPECT_EQ(pipes.lent(), 2u);
  send_all(pair.client.get(), "again");
  result = stream.pump(io, buffers, SIZE_MAX, &pipes);
  EXPECT_EQ(result.state, PumpState::want_read);
  EXPECT_EQ(recv_available(pair.client.get()), "again");
  EXPECT_EQ(pipes.lent(), 2u) << "a small message after a small one must be copied";
  EXPECT_EQ(pipes.created(), 1u) << "the pipe is reused";
}

TEST(SpliceStream, AStuckPeerHoldsAtMostOneChunkAndItsPipeIsClosedOnRelease) {
  Pair pair = make_pair();
  BufferPool buffers(kChunk);
  PipePool pipes(4, kChunk);
  EchoStream stream;
  net::SocketIo io{pair.server.get()};
  // The client never reads: the server's sends fill the socket buffers, then
  // the stream must stop reading with at most one chunk held.
  int small = 16 * 1024;
  ::setsockopt(pair.server.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  const std::string chunk = pattern(kChunk, 'q');
  PumpResult result;
  for (int i = 0; i < 256 && result.state != PumpState::want_write; ++i) {
    ::send(pair.client.get(), chunk.data(), chunk.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    result = stream.pump(io, buffers, SIZE_MAX, &pipes);
    ASSERT_NE(result.state, PumpState::failed) << std::strerror(result.error);
  }
  ASSERT_EQ(result.state, PumpState::want_write);
  EXPECT_TRUE(stream.holds_pipe());
  EXPECT_GT(stream.pending_bytes(), 0u);
  EXPECT_LE(stream.pending_bytes(), kChunk);

  stream.release(buffers, &pipes);
  EXPECT_FALSE(stream.holds_pipe());
  // The pipe had bytes in it: the next one lent is a new pipe, not a dirty one.
  const PipePool::Id next = pipes.take();
  ASSERT_NE(next, PipePool::kNone);
  EXPECT_EQ(pipes.created(), 2u);
  char byte;
  EXPECT_EQ(::read(pipes.read_end(next), &byte, 1), -1) << "a lent pipe must be empty";
}

TEST(SpliceStream, WhenThePoolIsEmptyTheStreamCopies) {
  Pair pair = make_pair();
  BufferPool buffers(kChunk);
  PipePool pipes(0, kChunk);  // --splice-pipes 0
  EchoStream stream;
  net::SocketIo io{pair.server.get()};
  const std::string bulk = pattern(8 * kChunk, 'z');
  send_all(pair.client.get(), bulk);
  const PumpResult result = stream.pump(io, buffers, SIZE_MAX, &pipes);
  EXPECT_EQ(result.state, PumpState::want_read);
  EXPECT_EQ(recv_available(pair.client.get()), bulk);
  EXPECT_EQ(pipes.lent(), 0u);
  EXPECT_FALSE(pipes.enabled());
}

TEST(SpliceStream, BuffersUnderAPageNeverSplice) {
  PipePool pipes(8, 1024);
  EXPECT_FALSE(pipes.enabled());
  EXPECT_EQ(pipes.take(), PipePool::kNone);
}

}  // namespace
}  // namespace echo
