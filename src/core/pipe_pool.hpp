// Kernel pipes lent to connections that are moving bulk data, so their bytes go
// socket -> pipe -> socket by splice(2) and never through user space (on
// loopback not even copied: the pipe takes references to the sender's pages).
//
// A pipe is lent only while it holds bytes or a bulk read is under way, so an
// idle connection holds none. Each pipe costs two descriptors, so one event
// loop keeps at most max_pipes: when they are all lent (or the process is out
// of descriptors) a connection simply copies, as small messages always do.
// One pool per event loop; not thread-safe by design.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "net/unique_fd.hpp"

namespace echo {

class PipePool {
 public:
  using Id = std::uint16_t;
  static constexpr Id kNone = 0xFFFF;
  // Below a page a splice moves part of one and costs more than copying: with a
  // --buffer-size that small the pool stays disabled.
  static constexpr std::size_t kMinChunkBytes = 4096;

  // chunk_bytes: the most a connection may hold in its pipe (--buffer-size); the
  // pipes are sized to hold it.
  PipePool(std::size_t max_pipes, std::size_t chunk_bytes);

  bool enabled() const noexcept { return max_pipes_ > 0; }
  // A pipe, empty, or kNone when none is free and no more can be made.
  Id take();
  // holds_bytes: the connection ended with bytes still in the pipe; such a pipe
  // is closed and replaced later rather than drained.
  void give_back(Id id, bool holds_bytes) noexcept;

  int read_end(Id id) const noexcept { return pipes_[id].read.get(); }
  int write_end(Id id) const noexcept { return pipes_[id].write.get(); }
  // Bytes one splice into a pipe may move: --buffer-size, or less when the
  // kernel would not make a pipe that large.
  std::size_t chunk_bytes() const noexcept { return chunk_bytes_; }

  std::size_t created() const noexcept { return created_; }
  std::uint64_t lent() const noexcept { return lent_; }

  PipePool(const PipePool&) = delete;
  PipePool& operator=(const PipePool&) = delete;

 private:
  struct Pipe {
    net::UniqueFd read;
    net::UniqueFd write;
  };
  bool open_pipe(Pipe& pipe);

  std::size_t max_pipes_;
  std::size_t chunk_bytes_;
  std::vector<Pipe> pipes_;  // index = Id; a closed one is reopened on demand
  std::vector<Id> free_;
  std::size_t created_ = 0;
  std::uint64_t lent_ = 0;
  bool out_of_descriptors_ = false;  // until a pipe comes back
};

}  // namespace echo
