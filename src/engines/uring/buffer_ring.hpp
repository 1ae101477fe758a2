// A provided buffer ring (IORING_REGISTER_PBUF_RING): a fixed set of equal
// buffers the kernel picks from when a recv completes, so a connection waiting
// for data holds no buffer of its own. The recv's completion names the buffer
// it used; the loop gives it back once every byte in it has been echoed.
//
// Needs Linux 5.19 or later. liburing 2.3 has no io_uring_setup_buf_ring, so
// the ring and the buffers are mapped here.
#pragma once

#include <liburing.h>

#include <cstddef>
#include <cstdint>

namespace echo::uring {

class BufferRing {
 public:
  BufferRing() = default;
  ~BufferRing();
  BufferRing(const BufferRing&) = delete;
  BufferRing& operator=(const BufferRing&) = delete;

  // Maps count (a power of two) buffers of buffer_bytes, registers them with
  // ring as group group_id and hands them all to the kernel. 0 or -errno.
  int init(io_uring* ring, std::uint16_t group_id, unsigned count, std::size_t buffer_bytes);

  std::byte* data(std::uint16_t id) const noexcept {
    return buffers_ + std::size_t{id} * buffer_bytes_;
  }
  std::size_t buffer_bytes() const noexcept { return buffer_bytes_; }
  std::uint16_t group_id() const noexcept { return group_id_; }
  unsigned count() const noexcept { return count_; }

  // Hands buffer id back to the kernel for the next recv.
  void give_back(std::uint16_t id) noexcept;
  // Call for each completion that consumed a buffer: keeps available() true.
  void note_taken() noexcept { --available_; }
  // Buffers the kernel may still pick from (as far as completions have told).
  unsigned available() const noexcept { return available_; }

 private:
  io_uring* ring_ = nullptr;
  io_uring_buf_ring* entries_ = nullptr;
  std::size_t entries_bytes_ = 0;
  std::byte* buffers_ = nullptr;
  std::size_t buffers_bytes_ = 0;
  std::size_t buffer_bytes_ = 0;
  unsigned count_ = 0;
  unsigned available_ = 0;
  std::uint16_t group_id_ = 0;
  bool registered_ = false;
};

}  // namespace echo::uring
