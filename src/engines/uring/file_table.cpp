#include "engines/uring/file_table.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cstring>

#include "core/log.hpp"

namespace echo::uring {

namespace {
// The kernel's bound on a file table (IORING_MAX_FIXED_FILES).
constexpr std::size_t kMaxFileTable = std::size_t{1} << 20;
}  // namespace

void FileTable::init(io_uring* ring, std::size_t max_connections) {
  ring_ = ring;
  std::size_t wanted = std::min(max_connections, kMaxFileTable / 2) * 2;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    wanted = std::min<std::size_t>(wanted, limit.rlim_cur);
  }
  size_ = static_cast<std::uint32_t>(std::min(wanted, kMaxFileTable));
  // Sparse: every entry starts empty; install fills them one by one.
  if (const int result = io_uring_register_files_sparse(ring, size_); result < 0) {
    log::event(log::Level::warn, "uring-file-table-unavailable",
               {{"entries", size_}, {"error", std::strerror(-result)}});
    size_ = 0;
  }
}

bool FileTable::install(std::uint32_t slot, int fd) {
  if (slot >= size_) return false;
  // Returns how many entries it updated: 1.
  return io_uring_register_files_update(ring_, slot, &fd, 1) == 1;
}

void FileTable::remove(std::uint32_t slot) {
  const int empty = -1;
  if (const int result = io_uring_register_files_update(ring_, slot, &empty, 1); result < 0) {
    log::event(log::Level::err, "uring-file-table-update-failed",
               {{"slot", slot}, {"error", std::strerror(-result)}});
  }
}

}  // namespace echo::uring
