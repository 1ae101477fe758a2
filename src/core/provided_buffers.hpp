// Buffers that a completion engine hands to the kernel, which picks one for each
// recv (io_uring's provided buffer ring). The echo state only needs to find the
// bytes of a buffer by its id and to give the buffer back once they are echoed;
// how buffers reach the kernel again is the engine's business
// (engines/uring/buffer_ring.hpp derives from this).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace echo {

class ProvidedBuffers {
 public:
  using Id = std::uint16_t;

  std::byte* data(Id id) const noexcept { return base_ + std::size_t{id} * buffer_bytes_; }
  std::size_t buffer_bytes() const noexcept { return buffer_bytes_; }
  // Takes back buffer id; the engine returns it to the kernel later.
  void give_back(Id id) noexcept { returned_.push_back(id); }

 protected:
  std::byte* base_ = nullptr;
  std::size_t buffer_bytes_ = 0;
  // Returned and not yet handed to the kernel again; the back is the hottest.
  // Reserved for every buffer, so give_back never allocates.
  std::vector<Id> returned_;
};

}  // namespace echo
