// A provided buffer ring (IORING_REGISTER_PBUF_RING): a fixed set of equal
// buffers the kernel picks from when a recv completes, so a connection waiting
// for data holds no buffer of its own. The recv's completion names the buffer
// it used; the loop gives it back once every byte in it has been echoed.
//
// The kernel takes buffers in ring order (FIFO). Handing it every free buffer
// would make each recv land in the buffer used longest ago: with 512 buffers of
// 16 KiB, a single bulk stream cycled through 8 MiB and every recv copied into
// cold cache lines (measured: 20-30 % more CPU per byte than epoll's reused
// buffer; docs/performance.md). So only `target` buffers sit in the ring;
// returned ones wait on a stack and refill() tops the ring up with the most
// recently returned first. The target doubles whenever a recv finds the ring
// empty (-ENOBUFS, note_exhausted) and shrinks by one after every
// kTurnsPerShrink loop turns without that.
//
// Needs Linux 5.19 or later. liburing 2.3 has no io_uring_setup_buf_ring, so
// the ring and the buffers are mapped here.
#pragma once

#include <liburing.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/provided_buffers.hpp"

namespace echo::uring {

class BufferRing : public ProvidedBuffers {
 public:
  BufferRing() = default;
  ~BufferRing();
  BufferRing(const BufferRing&) = delete;
  BufferRing& operator=(const BufferRing&) = delete;

  // Maps count (a power of two) buffers of buffer_bytes and registers them with
  // ring as group group_id; min_target of them go to the kernel at once (all of
  // them if min_target >= count). 0 or -errno.
  int init(io_uring* ring, std::uint16_t group_id, unsigned count, std::size_t buffer_bytes,
           unsigned min_target);

  std::uint16_t group_id() const noexcept { return group_id_; }
  unsigned count() const noexcept { return count_; }

  // give_back (ProvidedBuffers) takes a buffer back; it reaches the kernel
  // again at the next refill().
  // Call for each completion that consumed a buffer.
  void note_taken() noexcept { --in_ring_; }
  // Call when a recv ended with -ENOBUFS: the ring needs more at once.
  void note_exhausted() noexcept;
  // Call once per loop turn, before submitting: tops the ring up to the target.
  void refill() noexcept;
  // Buffers free for a recv: in the ring, or waiting for the next refill.
  unsigned available() const noexcept { return in_ring_ + static_cast<unsigned>(returned_.size()); }
  unsigned target() const noexcept { return target_; }
  std::uint64_t exhausted_count() const noexcept { return exhausted_count_; }
  // The kernel may still write into the buffers (an exit whose cancels did not
  // all come back): keep the memory mapped until the process ends rather than
  // let a later mapping at the same address receive those bytes.
  void abandon() noexcept { abandoned_ = true; }

 private:
  io_uring* ring_ = nullptr;
  io_uring_buf_ring* entries_ = nullptr;
  std::size_t entries_bytes_ = 0;
  std::size_t buffers_bytes_ = 0;
  unsigned count_ = 0;
  unsigned in_ring_ = 0;  // handed to the kernel and not yet reported taken
  static constexpr unsigned kTurnsPerShrink = 1024;
  unsigned min_target_ = 0;
  unsigned target_ = 0;
  unsigned quiet_turns_ = 0;  // turns since the last shrink or exhaustion
  std::uint64_t exhausted_count_ = 0;
  std::uint16_t group_id_ = 0;
  bool registered_ = false;
  bool abandoned_ = false;
};

}  // namespace echo::uring
