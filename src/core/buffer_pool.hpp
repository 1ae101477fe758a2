// Echo buffers, all of one size, handed out and taken back without touching the
// allocator on the hot path. Each event loop (or connection thread) owns its pool;
// it is not thread-safe by design.
//
// A buffer is named by a 32-bit id, not a pointer: every connection keeps the
// name of the buffer it holds (if any), and 4 bytes instead of 8 is what lets
// the echo state of every engine fit the 96-byte idle connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace echo {

class BufferPool {
 public:
  using Id = std::uint32_t;
  static constexpr Id kNone = UINT32_MAX;

  // Keeps at most max_cached free buffers; more are returned to the allocator, so
  // a burst does not pin its peak memory forever.
  explicit BufferPool(std::size_t buffer_size, std::size_t max_cached = 64)
      : buffer_size_(buffer_size), max_cached_(max_cached) {}

  std::size_t buffer_size() const noexcept { return buffer_size_; }
  std::size_t cached() const noexcept { return cached_.size(); }

  // A buffer of buffer_size() bytes; the most recently returned first (its
  // cache lines are the warmest).
  Id take() {
    if (!cached_.empty()) {
      const Id id = cached_.back();
      cached_.pop_back();
      return id;
    }
    Id id;
    if (!unbacked_.empty()) {
      id = unbacked_.back();
      unbacked_.pop_back();
    } else {
      id = static_cast<Id>(buffers_.size());
      buffers_.emplace_back();
      // Room for every id to come back, so give_back never allocates.
      cached_.reserve(buffers_.size());
      unbacked_.reserve(buffers_.size());
    }
    buffers_[id] = std::make_unique_for_overwrite<std::byte[]>(buffer_size_);
    return id;
  }

  std::byte* data(Id id) const noexcept { return buffers_[id].get(); }

  void give_back(Id id) noexcept {
    if (cached_.size() < max_cached_) {
      cached_.push_back(id);
      return;
    }
    buffers_[id].reset();
    unbacked_.push_back(id);
  }

  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

 private:
  std::size_t buffer_size_;
  std::size_t max_cached_;
  std::vector<std::unique_ptr<std::byte[]>> buffers_;  // index = Id
  std::vector<Id> cached_;                             // free, memory kept; back = hottest
  std::vector<Id> unbacked_;                           // free, memory given back
};

}  // namespace echo
