// The connections of one event loop: a vector of slots plus a free list, so a
// connection is named by its slot number (and, in the loops, a generation that
// changes on reuse) rather than by its descriptor. Slots are reused, never
// shrunk: the steady state allocates nothing per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace echo {

template <class Slot>
class SlotTable {
 public:
  // A free slot (reset by the caller), growing the table when none is free.
  std::uint32_t acquire() {
    if (free_.empty()) {
      slots_.emplace_back();
      return static_cast<std::uint32_t>(slots_.size() - 1);
    }
    const std::uint32_t slot = free_.back();
    free_.pop_back();
    return slot;
  }
  void release(std::uint32_t slot) { free_.push_back(slot); }
  // Reserves address space for n slots up front. Pages are touched only as
  // slots are used, so this costs no memory; it saves the copies (and the freed
  // blocks the allocator keeps resident) of growing by doubling.
  // Reserving more than kMaxReserved is left to growth.
  static constexpr std::size_t kMaxReserved = std::size_t{1} << 20;
  void reserve(std::size_t n) {
    n = n < kMaxReserved ? n : kMaxReserved;
    slots_.reserve(n);
    free_.reserve(n);
  }

  Slot& operator[](std::uint32_t slot) { return slots_[slot]; }
  const Slot& operator[](std::uint32_t slot) const { return slots_[slot]; }
  std::uint32_t size() const noexcept { return static_cast<std::uint32_t>(slots_.size()); }
  bool contains(std::uint64_t slot) const noexcept { return slot < slots_.size(); }

 private:
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;
};

}  // namespace echo
