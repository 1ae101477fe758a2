// A FIFO of bytes in one contiguous allocation: written at the back, read from
// the front, so what is held is always one span (a send can take it whole).
// It allocates on first use, moves what it holds to the front before growing,
// and release() gives the memory back, so an idle connection's TLS stage holds
// no ciphertext buffer. Not thread-safe: one connection's state.
#pragma once

#include <cstddef>
#include <memory>
#include <span>

namespace echo::tls {

class ByteQueue {
 public:
  std::size_t size() const noexcept { return tail_ - head_; }
  bool empty() const noexcept { return head_ == tail_; }
  // Bytes allocated, held or not (what release() would give back).
  std::size_t capacity() const noexcept { return capacity_; }

  // The bytes held, oldest first.
  std::span<const std::byte> front() const noexcept { return {data_.get() + head_, size()}; }
  // n <= size() bytes of front() are gone.
  void pop_front(std::size_t n) noexcept;

  // Room for at least `bytes` more at the back, where the caller writes and
  // then commits what it wrote. Allocates exactly `bytes` when nothing is
  // allocated, so a queue filled to a fixed bound never grows past it.
  std::span<std::byte> reserve_back(std::size_t bytes);
  void commit_back(std::size_t n) noexcept { tail_ += n; }
  void append(std::span<const std::byte> bytes);

  // Gives the allocation back; only while empty and not pinned (a no-op otherwise).
  void release() noexcept;

  // While pinned, the bytes front() showed stay where they are (a send in
  // flight reads them): reserve_back() does not move them to the front, and
  // when it must grow it copies them to the new allocation but keeps the old
  // one alive until unpin().
  void pin() noexcept { pinned_ = true; }
  void unpin() noexcept;

 private:
  std::unique_ptr<std::byte[]> retired_;  // the pinned allocation, once grown out of
  std::unique_ptr<std::byte[]> data_;
  std::size_t capacity_ = 0;
  std::size_t head_ = 0;  // first byte held
  std::size_t tail_ = 0;  // one past the last byte held
  bool pinned_ = false;
};

}  // namespace echo::tls
