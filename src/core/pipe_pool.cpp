#include "core/pipe_pool.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

namespace echo {

PipePool::PipePool(std::size_t max_pipes, std::size_t chunk_bytes)
    : max_pipes_(chunk_bytes >= kMinChunkBytes ? std::min<std::size_t>(max_pipes, kNone) : 0),
      chunk_bytes_(chunk_bytes) {
  pipes_.reserve(max_pipes_);
  free_.reserve(max_pipes_);
}

bool PipePool::open_pipe(Pipe& pipe) {
  int ends[2];
  if (::pipe2(ends, O_NONBLOCK | O_CLOEXEC) != 0) return false;
  pipe.read.reset(ends[0]);
  pipe.write.reset(ends[1]);
  // A pipe holds 16 pages by default; a larger --buffer-size asks for more. The
  // kernel may refuse (fs.pipe-max-size): then every splice moves what fits.
  const int size = ::fcntl(ends[1], F_GETPIPE_SZ);
  if (size > 0 && static_cast<std::size_t>(size) < chunk_bytes_) {
    const int grown = ::fcntl(ends[1], F_SETPIPE_SZ, static_cast<int>(chunk_bytes_));
    const int have = grown > 0 ? grown : size;
    chunk_bytes_ = std::min(chunk_bytes_, static_cast<std::size_t>(have));
  }
  ++created_;
  return true;
}

PipePool::Id PipePool::take() {
  if (!free_.empty()) {
    const Id id = free_.back();
    free_.pop_back();
    if (!pipes_[id].read && !open_pipe(pipes_[id])) {
      free_.push_back(id);
      return kNone;
    }
    ++lent_;
    return id;
  }
  if (pipes_.size() >= max_pipes_ || out_of_descriptors_) return kNone;
  Pipe pipe;
  if (!open_pipe(pipe)) {
    out_of_descriptors_ = true;  // EMFILE/ENFILE: stop trying until one comes back
    return kNone;
  }
  pipes_.push_back(std::move(pipe));
  ++lent_;
  return static_cast<Id>(pipes_.size() - 1);
}

void PipePool::give_back(Id id, bool holds_bytes) noexcept {
  if (holds_bytes) {
    pipes_[id].read.reset();
    pipes_[id].write.reset();
    out_of_descriptors_ = false;  // two descriptors just came free
  }
  free_.push_back(id);  // reserved for max_pipes_: cannot throw
}

}  // namespace echo
