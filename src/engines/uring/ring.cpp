#include "engines/uring/ring.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string_view>

#include "engines/uring/buffer_ring.hpp"

namespace echo::uring {

namespace {

// Enough for the probe: one recv, one cancel.
constexpr unsigned kProbeEntries = 8;
constexpr std::size_t kProbeBufferBytes = 64;

struct ProbeDeleter {
  void operator()(io_uring_probe* probe) const noexcept { io_uring_free_probe(probe); }
};

// /proc/sys/kernel/io_uring_disabled (Linux 6.6+): 0 allowed, 1 only for the
// io_uring_group, 2 nobody. -1 when the file does not exist.
int read_io_uring_disabled() {
  std::ifstream file("/proc/sys/kernel/io_uring_disabled");
  int value = -1;
  if (!(file >> value)) return -1;
  return value;
}

struct NeededOp {
  int opcode;
  const char* name;
};

constexpr NeededOp kNeededOps[] = {
    {IORING_OP_ACCEPT, "IORING_OP_ACCEPT"},
    {IORING_OP_RECV, "IORING_OP_RECV"},
    {IORING_OP_SEND, "IORING_OP_SEND"},
    {IORING_OP_POLL_ADD, "IORING_OP_POLL_ADD"},
    {IORING_OP_ASYNC_CANCEL, "IORING_OP_ASYNC_CANCEL"},
    {IORING_OP_READ, "IORING_OP_READ"},
    {IORING_OP_PROVIDE_BUFFERS, "IORING_OP_PROVIDE_BUFFERS"},
    {IORING_OP_TIMEOUT, "IORING_OP_TIMEOUT"},
};

// The test switch described at Ring::init.
bool refused_for_test(unsigned flags) {
  const char* refuse = std::getenv("ECHO_URING_REFUSE");
  if (!refuse) return false;
  const std::string_view list(refuse);
  if (flags & IORING_SETUP_DEFER_TASKRUN) return list.find("defer_taskrun") != list.npos;
  if (flags & IORING_SETUP_COOP_TASKRUN) return list.find("coop_taskrun") != list.npos;
  return false;
}

}  // namespace

Ring::~Ring() {
  if (initialised_) io_uring_queue_exit(&ring_);
}

int Ring::init(unsigned entries, bool start_disabled) {
  const unsigned attempts[] = {
      IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
          (start_disabled ? IORING_SETUP_R_DISABLED : 0u),
      IORING_SETUP_COOP_TASKRUN,
      0u,
  };
  int result = -EINVAL;
  for (const unsigned flags : attempts) {
    if (refused_for_test(flags)) continue;
    io_uring_params params{};
    params.flags = flags;
    result = io_uring_queue_init_params(entries, &ring_, &params);
    if (result == 0) {
      flags_ = flags;
      initialised_ = true;
      return 0;
    }
    if (result != -EINVAL) return result;
  }
  return result;
}

const char* Ring::mode_name() const noexcept {
  if (flags_ & IORING_SETUP_DEFER_TASKRUN) return "defer_taskrun";
  if (flags_ & IORING_SETUP_COOP_TASKRUN) return "coop_taskrun";
  return "plain";
}

int Ring::enable() {
  if (!(flags_ & IORING_SETUP_R_DISABLED)) return 0;
  // liburing 2.3 declares io_uring_enable_rings but does not export it.
  const long result =
      ::syscall(__NR_io_uring_register, ring_.ring_fd, IORING_REGISTER_ENABLE_RINGS, nullptr, 0);
  return result < 0 ? -errno : 0;
}

std::string describe_setup_failure(int error) {
  const int disabled = read_io_uring_disabled();
  switch (error) {
    case EPERM:
    case ENOSYS:
    case EACCES:
      if (disabled > 0) {
        return "io_uring is disabled by the kernel (/proc/sys/kernel/io_uring_disabled = " +
               std::to_string(disabled) + ")";
      }
      if (error == ENOSYS && disabled < 0) {
        return "io_uring_setup refused (ENOSYS): kernel built without io_uring, or blocked by a "
               "seccomp filter or container policy?";
      }
      return std::string("io_uring_setup refused (") +
             (error == EPERM    ? "EPERM"
              : error == ENOSYS ? "ENOSYS"
                                : "EACCES") +
             "): blocked by a seccomp filter or container policy?";
    case ENOMEM:
      return "io_uring_setup failed (ENOMEM): out of memory or locked memory (RLIMIT_MEMLOCK)";
    case EINVAL:
      return "io_uring_setup failed (EINVAL): kernel too old";
    default:
      return std::string("io_uring_setup failed: ") + std::strerror(error);
  }
}

std::optional<std::string> unavailable_reason() {
  Ring ring;
  if (const int result = ring.init(kProbeEntries, false); result < 0) {
    return describe_setup_failure(-result);
  }
  std::unique_ptr<io_uring_probe, ProbeDeleter> probe(io_uring_get_probe_ring(ring.get()));
  if (!probe) return "kernel too old: cannot probe io_uring opcodes (needs Linux 5.19 or later)";
  for (const NeededOp& op : kNeededOps) {
    if (!io_uring_opcode_supported(probe.get(), op.opcode)) {
      return std::string("kernel too old: ") + op.name + " missing (needs Linux 5.19 or later)";
    }
  }
  BufferRing buffers;
  if (const int result = buffers.init(ring.get(), 0, 1, kProbeBufferBytes, 1); result < 0) {
    if (result == -ENOMEM) {
      return "cannot register a provided buffer ring (ENOMEM): out of memory or locked memory";
    }
    return std::string("kernel too old: cannot register a provided buffer ring (") +
           std::strerror(-result) + "; needs Linux 5.19 or later)";
  }
  return std::nullopt;
}

}  // namespace echo::uring
