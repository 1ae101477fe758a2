// The per-connection echo logic against scripted fake sockets: a writer that
// takes 3 bytes per call, a reader that delivers chunks, would-block points.
#include "core/echo_stream.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

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
  const BufferPool::Id a = pool.take();
  const std::byte* address = pool.data(a);
  pool.give_back(a);
  const BufferPool::Id b = pool.take();
  EXPECT_EQ(pool.data(b), address) << "a returned buffer is handed out again";
  const BufferPool::Id c = pool.take();
  const BufferPool::Id d = pool.take();
  pool.give_back(b);
  pool.give_back(c);
  pool.give_back(d);
  EXPECT_EQ(pool.cached(), 2u);
  // The third went back to the allocator; its id is reused with new memory.
  const BufferPool::Id e = pool.take();
  const BufferPool::Id f = pool.take();
  const BufferPool::Id g = pool.take();
  EXPECT_NE(pool.data(g), nullptr);
  EXPECT_EQ(pool.cached(), 0u);
  for (const BufferPool::Id id : {e, f, g}) pool.give_back(id);
}

// The completion-style calls (the uring engine's driver) against a fake kernel
// that sends 3 bytes per call: the same bound, order, half-close and idle rule.
struct FakeProvided : ProvidedBuffers {
  explicit FakeProvided(std::size_t bytes) : memory(bytes * 4) {
    base_ = memory.data();
    buffer_bytes_ = bytes;
    returned_.reserve(4);
  }
  std::vector<std::byte> memory;
  std::size_t returned() const { return returned_.size(); }
};

// Sends everything unsent() offers, at most 3 bytes per "send completion".
std::string send_all_three_at_a_time(EchoStream& stream, BufferPool& pool,
                                     const ProvidedBuffers* provided) {
  std::string out;
  for (;;) {
    const auto bytes = stream.unsent(pool, provided);
    const std::size_t n = std::min<std::size_t>(bytes.size(), 3);
    out.append(reinterpret_cast<const char*>(bytes.data()), n);
    if (stream.sent(n)) return out;
  }
}

TEST(EchoStreamCompletion, ProvidedBufferIsEchoedInOrderThenGivenBack) {
  BufferPool pool(16);
  FakeProvided provided(16);
  EchoStream stream;
  ASSERT_TRUE(stream.may_receive());
  std::memcpy(provided.data(2), "hello, world", 12);
  stream.received_provided(2, 12);
  EXPECT_FALSE(stream.may_receive()) << "no recv may be armed while bytes are held (the bound)";
  EXPECT_TRUE(stream.holds_buffer());
  EXPECT_EQ(send_all_three_at_a_time(stream, pool, &provided), "hello, world");
  EXPECT_TRUE(stream.may_receive());
  stream.settle(pool, &provided);
  EXPECT_FALSE(stream.holds_buffer()) << "an idle connection must not hold a buffer";
  EXPECT_EQ(provided.returned(), 1u);
}

TEST(EchoStreamCompletion, PoolBufferRecvThenFinAfterEverythingIsEchoed) {
  BufferPool pool(8);
  EchoStream stream;
  auto into = stream.receive_buffer(pool);
  ASSERT_EQ(into.size(), 8u);
  std::memcpy(into.data(), "abcdefgh", 8);
  stream.received(8);
  EXPECT_EQ(stream.pending_bytes(), 8u);
  EXPECT_EQ(send_all_three_at_a_time(stream, pool, nullptr), "abcdefgh");
  stream.received(0);  // the peer's FIN
  EXPECT_TRUE(stream.finished());
  EXPECT_FALSE(stream.may_receive());
  stream.settle(pool);
  EXPECT_FALSE(stream.holds_buffer());
  EXPECT_EQ(pool.cached(), 1u);
}

TEST(EchoStreamCompletion, StopReadingFinishesOnceTheHeldBytesAreSent) {
  BufferPool pool(16);
  FakeProvided provided(16);
  EchoStream stream;
  std::memcpy(provided.data(0), "drain me", 8);
  stream.received_provided(0, 8);
  stream.stop_reading();  // the drain's final flush
  EXPECT_FALSE(stream.finished()) << "bytes held must go out before the FIN";
  EXPECT_EQ(send_all_three_at_a_time(stream, pool, &provided), "drain me");
  EXPECT_TRUE(stream.finished());
  stream.release(pool, nullptr, &provided);
  EXPECT_EQ(provided.returned(), 1u);
}

}  // namespace
}  // namespace echo
