// The ring's sparse table of registered files, and how connections use it.
//
// direct (Linux 6.8+): accepts put each new socket straight into the table,
// at the slot reserved for the connection, and closes are ring operations, so a connection
// that only echoes never has a descriptor and costs no system call of its own
// to open or close. Only when the loop must call the kernel itself (splice for
// a bulk stream, shutdown and discard in the drain) does it ask the ring for a
// descriptor of the same socket (IORING_OP_FIXED_FD_INSTALL).
// registered: the older way: accept a descriptor, then install it at the
// connection's slot (one io_uring_register to open, one to close).
// none: the kernel refused the table; every SQE names its descriptor.
// Either table mode saves the descriptor lookup (fdget/fdput) per operation.
#pragma once

#include <liburing.h>

#include <cstddef>
#include <cstdint>

namespace echo::uring {

class FileTable {
 public:
  enum class Mode : std::uint8_t { none, registered, direct };

  // Registers room for every connection --max-connections allows, plus as many
  // closed ones still waiting for a cancelled operation, within RLIMIT_NOFILE
  // (the kernel refuses a larger table), and picks the mode. Not fatal if the
  // kernel refuses. ECHO_URING_REFUSE containing "direct_accept" (a test
  // switch) stops at registered.
  void init(io_uring* ring, std::size_t max_connections);
  Mode mode() const noexcept { return mode_; }
  const char* mode_name() const noexcept;

  // Whether entry slot exists (a direct accept may target it).
  bool holds(std::uint32_t slot) const noexcept { return slot < size_; }
  // registered: puts fd at index slot; false if the table has no such entry or
  // the kernel refused (the connection's SQEs then name the descriptor).
  bool install(std::uint32_t slot, int fd);
  // registered: empties the entry, so that closing the descriptor really
  // closes the socket. Only once nothing of the connection is in flight.
  void remove(std::uint32_t slot);

  // Makes a prepared SQE name table entry index.
  static void target(io_uring_sqe* sqe, std::uint32_t index) {
    sqe->fd = static_cast<std::int32_t>(index);
    sqe->flags |= IOSQE_FIXED_FILE;
  }
  // direct: a descriptor for entry index (O_CLOEXEC); the completion's result
  // is the descriptor, the entry stays.
  static void prepare_descriptor(io_uring_sqe* sqe, std::uint32_t index);

 private:
  io_uring* ring_ = nullptr;
  std::uint32_t size_ = 0;
  Mode mode_ = Mode::none;
};

}  // namespace echo::uring
