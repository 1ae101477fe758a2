// What a completion belongs to. Every SQE carries a 64-bit user_data built here:
// kind (8 bits) | generation (24 bits) | slot (32 bits). A connection slot is
// reused only with a new generation, so a completion still queued for an old
// connection can never act on its successor or on a reused descriptor number.
// No raw descriptor ever goes into user_data. Needs nothing from the kernel.
#pragma once

#include <cstdint>

namespace echo::uring {

enum class TagKind : std::uint8_t {
  none = 0,  // no operation (a connection with nothing in flight)
  accept,    // single-shot accept; slot = the accept's index (EventLoop::accepts_)
  wake,      // read of the loop's eventfd (the connection limiter's waker)
  latch,     // poll of the Shutdown latch
  recv,      // single-shot recv with a provided buffer
  send,      // send of the rest of a held buffer
  readable,  // poll for input after a recv found the buffer ring empty
  discard,   // poll for input to discard after our FIN, during the drain
  ready,     // poll (in or out) of a bulk stream the loop pumps itself (splice)
  install,   // FIXED_FD_INSTALL: a descriptor for a direct connection's socket
  cancel,    // an ASYNC_CANCEL: its own completion carries nothing to do
  parking,   // poll of the loop's epoll set of parked connections (parking.hpp)
};

constexpr std::uint32_t kGenerationMask = 0x00FF'FFFF;

struct Tag {
  TagKind kind;
  std::uint32_t generation;
  std::uint32_t slot;
};

constexpr std::uint64_t make_tag(TagKind kind, std::uint32_t slot, std::uint32_t generation = 0) {
  return (std::uint64_t{static_cast<std::uint8_t>(kind)} << 56) |
         (std::uint64_t{generation & kGenerationMask} << 32) | slot;
}

constexpr Tag decode_tag(std::uint64_t user_data) {
  return {static_cast<TagKind>(user_data >> 56),
          static_cast<std::uint32_t>(user_data >> 32) & kGenerationMask,
          static_cast<std::uint32_t>(user_data)};
}

}  // namespace echo::uring
