#include "engines/uring/buffer_ring.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>

namespace echo::uring {

namespace {

void* map_anonymous(std::size_t bytes) {
  // NORESERVE: large buffers cost nothing until a recv first fills them.
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

}  // namespace

BufferRing::~BufferRing() {
  if (registered_) io_uring_unregister_buf_ring(ring_, group_id_);
  if (abandoned_) return;
  if (entries_) ::munmap(entries_, entries_bytes_);
  if (base_) ::munmap(base_, buffers_bytes_);
}

int BufferRing::init(io_uring* ring, std::uint16_t group_id, unsigned count,
                     std::size_t buffer_bytes, unsigned min_target) {
  ring_ = ring;
  group_id_ = group_id;
  count_ = count;
  buffer_bytes_ = buffer_bytes;
  entries_bytes_ = sizeof(io_uring_buf) * count;
  buffers_bytes_ = buffer_bytes * count;
  // The ring must be page-aligned; mmap gives that.
  entries_ = static_cast<io_uring_buf_ring*>(map_anonymous(entries_bytes_));
  base_ = static_cast<std::byte*>(map_anonymous(buffers_bytes_));
  if (!entries_ || !base_) return -ENOMEM;

  io_uring_buf_ring_init(entries_);
  io_uring_buf_reg registration{};
  registration.ring_addr = reinterpret_cast<std::uint64_t>(entries_);
  registration.ring_entries = count;
  registration.bgid = group_id;
  if (const int result = io_uring_register_buf_ring(ring, &registration, 0); result < 0)
    return result;
  registered_ = true;

  // Highest id at the bottom, so buffer 0 goes first and low ids stay hot.
  returned_.reserve(count);
  for (unsigned i = count; i-- > 0;) returned_.push_back(static_cast<std::uint16_t>(i));
  min_target_ = std::min(std::max(min_target, 1u), count);
  target_ = min_target_;
  refill();
  return 0;
}

void BufferRing::note_exhausted() noexcept {
  target_ = std::min(count_, target_ * 2);
  quiet_turns_ = 0;
  ++exhausted_count_;
}

void BufferRing::refill() noexcept {
  // Shrinking slowly keeps a busy loop from finding the ring empty again and
  // again (each time costs the connection a poll and a second recv).
  if (++quiet_turns_ >= kTurnsPerShrink && target_ > min_target_) {
    --target_;
    quiet_turns_ = 0;
  }
  const int mask = io_uring_buf_ring_mask(count_);
  int added = 0;
  while (in_ring_ < target_ && !returned_.empty()) {
    const std::uint16_t id = returned_.back();
    returned_.pop_back();
    io_uring_buf_ring_add(entries_, data(id), static_cast<unsigned>(buffer_bytes_), id, mask,
                          added++);
    ++in_ring_;
  }
  if (added > 0) io_uring_buf_ring_advance(entries_, added);
}

}  // namespace echo::uring
