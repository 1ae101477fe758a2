#include "tls/byte_queue.hpp"

#include <algorithm>
#include <cstring>

namespace echo::tls {

void ByteQueue::pop_front(std::size_t n) noexcept {
  head_ += n;
  if (head_ == tail_) head_ = tail_ = 0;  // empty: the next write starts at the front
}

std::span<std::byte> ByteQueue::reserve_back(std::size_t bytes) {
  if (capacity_ - tail_ < bytes) {
    const std::size_t held = size();
    if (capacity_ - held >= bytes && !pinned_) {
      std::memmove(data_.get(), data_.get() + head_, held);
    } else {
      const std::size_t grown = capacity_ == 0 ? bytes : std::max(held + bytes, capacity_ * 2);
      auto larger = std::make_unique_for_overwrite<std::byte[]>(grown);
      if (held > 0) std::memcpy(larger.get(), data_.get() + head_, held);
      // Pinned: the first allocation outgrown is the one being read; later
      // ones were never shown to a send and may go.
      if (pinned_ && !retired_) retired_ = std::move(data_);
      data_ = std::move(larger);
      capacity_ = grown;
    }
    head_ = 0;
    tail_ = held;
  }
  return {data_.get() + tail_, capacity_ - tail_};
}

void ByteQueue::append(std::span<const std::byte> bytes) {
  if (bytes.empty()) return;
  const std::span<std::byte> room = reserve_back(bytes.size());
  std::memcpy(room.data(), bytes.data(), bytes.size());
  commit_back(bytes.size());
}

void ByteQueue::unpin() noexcept {
  pinned_ = false;
  retired_.reset();
}

void ByteQueue::release() noexcept {
  if (!empty() || pinned_) return;
  data_.reset();
  capacity_ = head_ = tail_ = 0;
}

}  // namespace echo::tls
