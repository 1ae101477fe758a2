// The connections of one event loop: a vector of slots plus a free list, so a
// connection is named by its slot number (and, in the loops, a generation that
// changes on reuse) rather than by its descriptor. Slots are reused, never
// shrunk: the steady state allocates nothing per connection.
#pragma once

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

  Slot& operator[](std::uint32_t slot) { return slots_[slot]; }
  const Slot& operator[](std::uint32_t slot) const { return slots_[slot]; }
  std::uint32_t size() const noexcept { return static_cast<std::uint32_t>(slots_.size()); }
  bool contains(std::uint64_t slot) const noexcept { return slot < slots_.size(); }

 private:
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;
};

}  // namespace echo
