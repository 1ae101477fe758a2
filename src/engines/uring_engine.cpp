// The uring engine: one io_uring event loop per thread (--threads, default one
// per core), sharing one listener, or with --reuseport one SO_REUSEPORT listener
// per loop. Start-up probes the kernel first, so `--engine uring` on a kernel or
// sandbox without usable io_uring fails with one line that names the reason, and
// `--engine auto` falls back to epoll (engine.cpp).
//
// Needs Linux 5.19 or later. Try it: `echo-server --engine uring`.
#include <memory>
#include <stdexcept>

#include "engines/engines.hpp"
#include "engines/loop_runner.hpp"
#include "engines/uring/event_loop.hpp"
#include "engines/uring/ring.hpp"

namespace echo {

std::optional<std::string> uring_unavailable_reason() {
  return uring::unavailable_reason();
}

std::unique_ptr<Engine> make_uring_engine(const ServerConfig& config) {
  if (auto reason = uring::unavailable_reason()) {
    throw std::runtime_error("cannot use io_uring: " + *reason);
  }
  return std::make_unique<EventLoopEngine<uring::EventLoop>>(config);
}

}  // namespace echo
