// The ring's sparse table of registered files. Each connection's socket is
// installed at its slot number, so its SQEs name it with IOSQE_FIXED_FILE and
// the kernel skips the descriptor lookup (fdget/fdput) per operation; that costs
// one io_uring_register when a connection opens and one when it closes.
#pragma once

#include <liburing.h>

#include <cstddef>
#include <cstdint>

namespace echo::uring {

class FileTable {
 public:
  // Registers room for every connection --max-connections allows, plus as many
  // closed ones still waiting for a cancelled operation, within RLIMIT_NOFILE
  // (the kernel refuses a larger table). Not fatal if the kernel refuses:
  // every SQE then names its descriptor.
  void init(io_uring* ring, std::size_t max_connections);

  // Puts fd at index slot; false if the table has no such entry or the kernel
  // refused (the connection's SQEs then name the descriptor).
  bool install(std::uint32_t slot, int fd);
  // Empties the entry, so that closing the descriptor really closes the socket.
  // Only once nothing of the connection is in flight or prepared.
  void remove(std::uint32_t slot);

  // Makes a prepared SQE name table entry slot.
  static void target(io_uring_sqe* sqe, std::uint32_t slot) {
    sqe->fd = static_cast<std::int32_t>(slot);
    sqe->flags |= IOSQE_FIXED_FILE;
  }

 private:
  io_uring* ring_ = nullptr;
  std::uint32_t size_ = 0;
};

}  // namespace echo::uring
