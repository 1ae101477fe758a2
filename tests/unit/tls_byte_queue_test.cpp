// The FIFO under the TLS stage's ciphertext queues (tls/byte_queue.hpp): one
// span of what is held, exact first allocation, compaction before growth,
// and release only while empty.
#include <gtest/gtest.h>

#include <vector>

#include "tls/byte_queue.hpp"

namespace echo::tls {
namespace {

std::vector<std::byte> bytes(std::size_t n, unsigned char first) {
  std::vector<std::byte> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::byte>(first + i);
  return out;
}

TEST(TlsByteQueue, HoldsBytesInOrderAsOneSpan) {
  ByteQueue queue;
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.capacity(), 0u) << "nothing allocated before use";
  queue.append(bytes(3, 0));
  queue.append(bytes(2, 3));
  ASSERT_EQ(queue.size(), 5u);
  EXPECT_EQ(std::vector<std::byte>(queue.front().begin(), queue.front().end()), bytes(5, 0));
  queue.pop_front(2);
  EXPECT_EQ(std::vector<std::byte>(queue.front().begin(), queue.front().end()), bytes(3, 2));
  queue.pop_front(3);
  EXPECT_TRUE(queue.empty());
}

TEST(TlsByteQueue, FirstAllocationIsExactAndCompactionComesBeforeGrowth) {
  ByteQueue queue;
  std::span<std::byte> room = queue.reserve_back(100);
  EXPECT_EQ(room.size(), 100u);
  EXPECT_EQ(queue.capacity(), 100u);
  queue.commit_back(100);
  queue.pop_front(60);
  room = queue.reserve_back(60);  // 40 held: fits once moved to the front
  EXPECT_EQ(queue.capacity(), 100u);
  EXPECT_EQ(room.size(), 60u);
  queue.append(bytes(100, 7));  // 140 held: grows
  EXPECT_GE(queue.capacity(), 140u);
  EXPECT_EQ(queue.size(), 140u);
  EXPECT_EQ(queue.front()[40], std::byte{7});
}

TEST(TlsByteQueue, ReleasesOnlyWhileEmpty) {
  ByteQueue queue;
  queue.append(bytes(10, 0));
  queue.release();
  EXPECT_EQ(queue.size(), 10u);
  EXPECT_GT(queue.capacity(), 0u);
  queue.pop_front(10);
  queue.release();
  EXPECT_EQ(queue.capacity(), 0u);
  queue.append(bytes(4, 1));
  EXPECT_EQ(queue.size(), 4u);
}

TEST(TlsByteQueue, PinnedBytesStayWhereTheyWereWhileTheQueueGrows) {
  ByteQueue queue;
  queue.append(bytes(64, 0));
  queue.pop_front(32);  // room at the front that compaction would use
  queue.pin();
  const std::span<const std::byte> in_flight = queue.front();
  const std::vector<std::byte> expected(in_flight.begin(), in_flight.end());
  queue.append(bytes(16, 100));  // fits only by compacting: must grow instead
  queue.append(bytes(1000, 1));  // and grow again
  EXPECT_EQ(std::vector<std::byte>(in_flight.begin(), in_flight.end()), expected)
      << "the span a send reads is still alive and unchanged";
  EXPECT_EQ(queue.size(), 32u + 16 + 1000);
  EXPECT_EQ(std::vector<std::byte>(queue.front().begin(), queue.front().begin() + 32), expected);
  queue.pop_front(32);
  queue.unpin();
  EXPECT_EQ(queue.front()[0], std::byte{100});
}

}  // namespace
}  // namespace echo::tls
