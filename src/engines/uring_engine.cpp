// The uring engine: one io_uring event loop per thread (--threads, default one
// per core), sharing one listener, or with --reuseport one SO_REUSEPORT listener
// per loop. Start-up probes the kernel first, so `--engine uring` on a kernel or
// sandbox without usable io_uring fails with one line that names the reason, and
// `--engine auto` falls back to epoll (engine.cpp).
//
// Needs Linux 5.19 or later. Try it: `echo-server --engine uring`.
#include <memory>
#include <stdexcept>
#include <vector>

#include "core/log.hpp"
#include "engines/engines.hpp"
#include "engines/loop_runner.hpp"
#include "engines/uring/event_loop.hpp"
#include "engines/uring/ring.hpp"

namespace echo {

namespace {

class UringEngine final : public Engine {
 public:
  explicit UringEngine(const ServerConfig& config)
      : loops_(event_loop_count(config)), reuse_port_(config.reuse_port) {}

  unsigned listener_copies() const override { return reuse_port_ ? loops_ : 1; }

  // Rings are created here, on the main thread, disabled; each loop enables its
  // own on the thread that submits to it (SINGLE_ISSUER).
  void run(ServerContext& context) override {
    bool logged = false;
    run_event_loops(context, loops_,
                    [&logged](ServerContext& c, const std::vector<Listener>& listeners, bool) {
                      auto loop = std::make_unique<uring::EventLoop>(c, listeners);
                      if (!logged) {  // every loop's ring gets the same mode: say it once
                        log::event(log::Level::info, "uring-ring", {{"mode", loop->ring_mode()}});
                        logged = true;
                      }
                      return loop;
                    });
  }

 private:
  unsigned loops_;
  bool reuse_port_;
};

}  // namespace

std::optional<std::string> uring_unavailable_reason() {
  return uring::unavailable_reason();
}

std::unique_ptr<Engine> make_uring_engine(const ServerConfig& config) {
  if (auto reason = uring::unavailable_reason()) {
    throw std::runtime_error("cannot use io_uring: " + *reason);
  }
  return std::make_unique<UringEngine>(config);
}

}  // namespace echo
