#include "engines/uring/file_table.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "core/log.hpp"

namespace echo::uring {

namespace {
// The kernel's bound on a file table (IORING_MAX_FIXED_FILES).
constexpr std::size_t kMaxFileTable = std::size_t{1} << 20;
// IORING_OP_FIXED_FD_INSTALL (Linux 6.8), newer than Debian 12's liburing 2.3
// headers: the kernel's number for it.
constexpr std::uint8_t kOpFixedFdInstall = 54;

bool direct_refused_for_test() {
  const char* refuse = std::getenv("ECHO_URING_REFUSE");
  return refuse && std::string_view(refuse).find("direct_accept") != std::string_view::npos;
}

bool kernel_installs_descriptors(io_uring* ring) {
  io_uring_probe* probe = io_uring_get_probe_ring(ring);
  if (!probe) return false;
  const bool supported = io_uring_opcode_supported(probe, kOpFixedFdInstall) != 0;
  io_uring_free_probe(probe);
  return supported;
}
}  // namespace

void FileTable::init(io_uring* ring, std::size_t max_connections) {
  ring_ = ring;
  std::size_t wanted = std::min(max_connections, kMaxFileTable / 2) * 2;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    wanted = std::min<std::size_t>(wanted, limit.rlim_cur);
  }
  size_ = static_cast<std::uint32_t>(std::min(wanted, kMaxFileTable));
  // Sparse: every entry starts empty.
  if (const int result = io_uring_register_files_sparse(ring, size_); result < 0) {
    log::event(log::Level::warn, "uring-file-table-unavailable",
               {{"entries", size_}, {"error", std::strerror(-result)}});
    size_ = 0;
    mode_ = Mode::none;
    return;
  }
  mode_ = !direct_refused_for_test() && kernel_installs_descriptors(ring) ? Mode::direct
                                                                          : Mode::registered;
}

const char* FileTable::mode_name() const noexcept {
  switch (mode_) {
    case Mode::none:
      return "none";
    case Mode::registered:
      return "registered";
    case Mode::direct:
      return "direct";
  }
  return "?";
}

bool FileTable::install(std::uint32_t slot, int fd) {
  if (mode_ != Mode::registered || slot >= size_) return false;
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

void FileTable::prepare_descriptor(io_uring_sqe* sqe, std::uint32_t index) {
  io_uring_prep_rw(kOpFixedFdInstall, sqe, static_cast<int>(index), nullptr, 0, 0);
  sqe->flags = IOSQE_FIXED_FILE;
  sqe->rw_flags = 0;  // install_fd_flags: 0 = O_CLOEXEC
}

}  // namespace echo::uring
