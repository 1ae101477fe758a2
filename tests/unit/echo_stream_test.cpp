// The per-connection echo logic against scripted fake sockets: a writer that
// takes 3 bytes per call, a reader that delivers chunks, would-block points.
#include "core/echo_stream.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <string>

namespace echo {
namespace {

// A fake socket. Reads hand out the queued chunks (one chunk per call, split by
// the caller's buffer size), then EAGAIN, or 0 once `eof` is set. Writes accept
// at most write_limit bytes per call and at most write_capacity in total before
// EAGAIN (a full send buffer).
struct FakeIo {
  std::deque<std::string> input;
  bool eof = false;
  std::string written;
  std::size_t write_limit = 3;
  std::size_t write_capacity = SIZE_MAX;
  int read_calls = 0;
  int fail_write_errno = 0;

  ssize_t read(std::span<std::byte> into) {
    ++read_calls;
    if (input.empty()) {
      if (eof) return 0;
      errno = EAGAIN;
      return -1;
    }
    std::string& chunk = input.front();
    const std::size_t n = std::min(chunk.size(), into.size());
    std::memcpy(into.data(), chunk.data(), n);
    chunk.erase(0, n);
    if (chunk.empty()) input.pop_front();
    return static_cast<ssize_t>(n);
  }

  ssize_t write(std::span<const std::byte> from) {
    if (fail_write_errno) {
      errno = fail_write_errno;
      return -1;
    }
    const std::size_t n = std::min({from.size(), write_limit, write_capacity});
    if (n == 0) {
      errno = EAGAIN;
      return -1;
    }
    written.append(reinterpret_cast<const char*>(from.data()), n);
    write_capacity -= n;
    return static_cast<ssize_t>(n);
  }
};

TEST(EchoStream, EchoesEverythingInOrderThroughAThreeByteWriter) {
  BufferPool pool(16);
  FakeIo io;
  io.input = {"hello, ", "world: a longer message than the buffer", "!"};
  EchoStream stream;
  const PumpResult result = stream.pump(io, pool, SIZE_MAX);
  EXPECT_EQ(result.state, PumpState::want_read);
  EXPECT_EQ(io.written, "hello, world: a longer message than the buffer!");
  EXPECT_EQ(result.bytes_read, io.written.size());
  EXPECT_EQ(result.bytes_written, io.written.size());
  EXPECT_FALSE(stream.holds_buffer()) << "an idle connection must not hold a buffer";
}

TEST(EchoStream, StopsReadingWhileTheEchoIsPending) {
  BufferPool pool(8);
  FakeIo io;
  io.input = {std::string(100, 'x')};
  io.write_capacity = 5;  // the peer is not reading
  EchoStream stream;
  PumpResult result = stream.pump(io, pool, SIZE_MAX);
  EXPECT_EQ(result.state, PumpState::want_write);
  EXPECT_EQ(result.bytes_read, 8u) << "reads at most one buffer";
  EXPECT_EQ(stream.pending_bytes(), 3u);
  EXPECT_EQ(io.read_calls, 1) << "no read while the echo is pending";

  result = stream.pump(io, pool, SIZE_MAX);  // still blocked: nothing moves
  EXPECT_EQ(result.state, PumpState::want_write);
  EXPECT_EQ(io.read_calls, 1);
  EXPECT_LE(stream.pending_bytes(), pool.buffer_size());

  io.write_capacity = SIZE_MAX;  // the peer reads again
  result = stream.pump(io, pool, SIZE_MAX);
  EXPECT_EQ(result.state, PumpState::want_read);
  EXPECT_EQ(io.written, std::string(100, 'x'));
}

TEST(EchoStream, HalfCloseEchoesTheRestThenFinishes) {
  BufferPool pool(64);
  FakeIo io;
  io.input = {"last words"};
  io.eof = true;
  EchoStream stream;
  const PumpResult result = stream.pump(io, pool, SIZE_MAX);
  EXPECT_EQ(result.state, PumpState::finished);
  EXPECT_EQ(io.written, "last words");
  EXPECT_TRUE(stream.peer_finished());
}

TEST(EchoStream, HalfCloseWithABlockedWriterFinishesOnlyAfterTheFlush) {
  BufferPool pool(64);
  FakeIo io;
  io.input = {"0123456789"};
  io.eof = true;
  io.write_capacity = 4;
  EchoStream stream;
  EXPECT_EQ(stream.pump(io, pool, SIZE_MAX).state, PumpState::want_write);
  io.write_capacity = SIZE_MAX;
  EXPECT_EQ(stream.pump(io, pool, SIZE_MAX).state, PumpState::finished);
  EXPECT_EQ(io.written, "0123456789");
}

TEST(EchoStream, BudgetYieldsWithWorkLeft) {
  BufferPool pool(4);
  FakeIo io;
  io.write_limit = SIZE_MAX;
  io.input = {"abcdefghijkl"};
  EchoStream stream;
  PumpResult result = stream.pump(io, pool, 4);
  EXPECT_EQ(result.state, PumpState::more);
  EXPECT_EQ(io.written, "abcd");
  result = stream.pump(io, pool, SIZE_MAX);
  EXPECT_EQ(result.state, PumpState::want_read);
  EXPECT_EQ(io.written, "abcdefghijkl");
}

TEST(EchoStream, WriteErrorIsReported) {
  BufferPool pool(16);
  FakeIo io;
  io.input = {"data"};
  io.fail_write_errno = ECONNRESET;
  EchoStream stream;
  const PumpResult result = stream.pump(io, pool, SIZE_MAX);
  EXPECT_EQ(result.state, PumpState::failed);
  EXPECT_EQ(result.error, ECONNRESET);
  stream.release(pool);
  EXPECT_FALSE(stream.holds_buffer());
}

TEST(EchoStream, StopReadingFlushesWhatIsHeldAndFinishes) {
  BufferPool pool(16);
  FakeIo io;
  io.input = {"held bytes", "never read"};
  io.write_capacity = 0;
  EchoStream stream;
  EXPECT_EQ(stream.pump(io, pool, SIZE_MAX).state, PumpState::want_write);
  stream.stop_reading();
  io.write_capacity = SIZE_MAX;
  EXPECT_EQ(stream.pump(io, pool, 0).state, PumpState::finished);
  EXPECT_EQ(io.written, "held bytes");
}

TEST(BufferPool, ReusesBuffersAndCapsTheCache) {
  BufferPool pool(32, 2);
  auto a = pool.take();
  const std::byte* address = a.get();
  pool.give_back(std::move(a));
  auto b = pool.take();
  EXPECT_EQ(b.get(), address) << "a returned buffer is handed out again";
  auto c = pool.take();
  auto d = pool.take();
  pool.give_back(std::move(b));
  pool.give_back(std::move(c));
  pool.give_back(std::move(d));
  EXPECT_EQ(pool.cached(), 2u);
}

}  // namespace
}  // namespace echo
