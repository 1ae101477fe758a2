// The provided buffer ring's refill policy, against a real io_uring: only the
// target number of buffers is in the kernel's ring, a recv past them ends with
// -ENOBUFS, note_exhausted doubles the target, and returned buffers go back
// most recently used first (they are the ones still in cache).
#include "engines/uring/buffer_ring.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "behaviour/engine_param.hpp"
#include "engines/uring/ring.hpp"
#include "net/unique_fd.hpp"

namespace echo::uring {
namespace {

constexpr std::size_t kBufferBytes = 64;

struct Pair {
  net::UniqueFd ours;
  net::UniqueFd theirs;
};

Pair socket_pair() {
  int fds[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  return {net::UniqueFd(fds[0]), net::UniqueFd(fds[1])};
}

// One recv with buffer selection per socket (each has input waiting); returns
// each completion's result and, when it took one, the buffer id.
struct Completion {
  int result;
  int buffer_id;  // -1 when none
};

std::vector<Completion> recv_each(Ring& ring, BufferRing& buffers, const std::vector<Pair>& pairs) {
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    io_uring_sqe* sqe = io_uring_get_sqe(ring.get());
    io_uring_prep_recv(sqe, pairs[i].ours.get(), nullptr, kBufferBytes, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = buffers.group_id();
    io_uring_sqe_set_data64(sqe, i);
  }
  EXPECT_EQ(io_uring_submit_and_wait(ring.get(), static_cast<unsigned>(pairs.size())),
            static_cast<int>(pairs.size()));
  std::vector<Completion> done(pairs.size());
  for (std::size_t n = 0; n < pairs.size(); ++n) {
    io_uring_cqe* cqe = nullptr;
    EXPECT_EQ(io_uring_wait_cqe(ring.get(), &cqe), 0);
    int id = -1;
    if (cqe->flags & IORING_CQE_F_BUFFER) {
      id = static_cast<int>(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
      buffers.note_taken();
    }
    done[cqe->user_data] = {cqe->res, id};
    io_uring_cqe_seen(ring.get(), cqe);
  }
  return done;
}

TEST(BufferRing, HoldsOnlyTheTargetInTheKernelAndGrowsOnExhaustion) {
  ECHO_SKIP_IF_ENGINE_UNAVAILABLE(std::string("uring"));
  Ring ring;
  ASSERT_EQ(ring.init(16, false), 0);
  BufferRing buffers;
  ASSERT_EQ(buffers.init(ring.get(), 0, 16, kBufferBytes, 2), 0);
  EXPECT_EQ(buffers.target(), 2u);
  EXPECT_EQ(buffers.available(), 16u);

  std::vector<Pair> pairs;
  for (int i = 0; i < 3; ++i) {
    pairs.push_back(socket_pair());
    ASSERT_EQ(::write(pairs.back().theirs.get(), "abc", 3), 3);
  }
  // Two buffers in the ring, three recvs: the third finds it empty.
  auto done = recv_each(ring, buffers, pairs);
  int taken = 0;
  int empty = 0;
  for (const Completion& c : done) {
    if (c.result == 3 && c.buffer_id >= 0) ++taken;
    if (c.result == -ENOBUFS) ++empty;
  }
  EXPECT_EQ(taken, 2);
  EXPECT_EQ(empty, 1);
  EXPECT_EQ(buffers.available(), 14u);

  // Exhaustion doubles the target; the next refill hands over four.
  buffers.note_exhausted();
  EXPECT_EQ(buffers.target(), 4u);
  buffers.refill();
  for (auto& p : pairs) ASSERT_EQ(::write(p.theirs.get(), "defg", 4), 4);
  std::vector<Pair> more;
  more.push_back(socket_pair());
  ASSERT_EQ(::write(more.back().theirs.get(), "hijk", 4), 4);
  for (auto& p : more) pairs.push_back(std::move(p));
  done = recv_each(ring, buffers, pairs);
  for (const Completion& c : done) {
    EXPECT_GT(c.result, 0) << "recv " << c.result;
    EXPECT_GE(c.buffer_id, 0);
  }
}

TEST(BufferRing, ReturnedBuffersAreReusedMostRecentFirst) {
  ECHO_SKIP_IF_ENGINE_UNAVAILABLE(std::string("uring"));
  Ring ring;
  ASSERT_EQ(ring.init(16, false), 0);
  BufferRing buffers;
  ASSERT_EQ(buffers.init(ring.get(), 0, 16, kBufferBytes, 1), 0);
  std::vector<Pair> one;
  one.push_back(socket_pair());
  // With a FIFO ring of all 16 buffers, successive recvs would walk through
  // ids 0, 1, 2, ...; here each returned buffer is the next one used.
  int first_id = -1;
  for (int round = 0; round < 5; ++round) {
    ASSERT_EQ(::write(one[0].theirs.get(), "x", 1), 1);
    const auto done = recv_each(ring, buffers, one);
    ASSERT_EQ(done[0].result, 1);
    ASSERT_GE(done[0].buffer_id, 0);
    if (round == 0) first_id = done[0].buffer_id;
    EXPECT_EQ(done[0].buffer_id, first_id) << "round " << round;
    buffers.give_back(static_cast<std::uint16_t>(done[0].buffer_id));
    buffers.refill();
  }
}

}  // namespace
}  // namespace echo::uring
