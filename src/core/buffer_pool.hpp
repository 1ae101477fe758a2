// Echo buffers, all of one size, handed out and taken back without touching the
// allocator on the hot path. Each event loop (or connection thread) owns its pool;
// it is not thread-safe by design.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace echo {

class BufferPool {
 public:
  using Buffer = std::unique_ptr<std::byte[]>;

  // Keeps at most max_cached free buffers; more are returned to the allocator, so
  // a burst does not pin its peak memory forever.
  explicit BufferPool(std::size_t buffer_size, std::size_t max_cached = 64)
      : buffer_size_(buffer_size), max_cached_(max_cached) {}

  std::size_t buffer_size() const noexcept { return buffer_size_; }
  std::size_t cached() const noexcept { return free_.size(); }

  Buffer take() {
    if (free_.empty()) return std::make_unique_for_overwrite<std::byte[]>(buffer_size_);
    Buffer buffer = std::move(free_.back());
    free_.pop_back();
    return buffer;
  }

  void give_back(Buffer buffer) noexcept {
    if (!buffer || free_.size() >= max_cached_) return;
    free_.push_back(std::move(buffer));  // reserved in the constructor: cannot throw
  }

  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

 private:
  std::size_t buffer_size_;
  std::size_t max_cached_;
  std::vector<Buffer> free_ = reserve(max_cached_);

  static std::vector<Buffer> reserve(std::size_t n) {
    std::vector<Buffer> v;
    v.reserve(n);
    return v;
  }
};

}  // namespace echo
