// The uring engine: one io_uring event loop per thread (--threads, default one
// per core), sharing one listener, or with --reuseport one SO_REUSEPORT listener
// per loop. Start-up probes the kernel first, so `--engine uring` on a kernel or
// sandbox without usable io_uring fails with one line that names the reason, and
// `--engine auto` falls back to epoll (engine.cpp).
//
// Needs Linux 5.19 or later. Try it: `echo-server --engine uring`.
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "engines/engines.hpp"
#include "engines/uring/event_loop.hpp"
#include "engines/uring/ring.hpp"

namespace echo {

namespace {

unsigned loop_count(const ServerConfig& config) {
  if (config.threads > 0) return config.threads;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores > 0 ? cores : 1;
}

class UringEngine final : public Engine {
 public:
  explicit UringEngine(const ServerConfig& config)
      : loops_(loop_count(config)), reuse_port_(config.reuse_port) {}

  unsigned listener_copies() const override { return reuse_port_ ? loops_ : 1; }

  void run(ServerContext& context) override {
    // Rings are created here, on the main thread, disabled; each loop enables
    // its own on the thread that submits to it (SINGLE_ISSUER).
    std::vector<std::unique_ptr<uring::EventLoop>> loops;
    for (unsigned i = 0; i < loops_; ++i) {
      auto& set = context.listeners.at(context.listeners.size() == 1 ? 0 : i);
      std::vector<int> fds;
      for (auto& fd : set) fds.push_back(fd.get());
      loops.push_back(std::make_unique<uring::EventLoop>(context, std::move(fds)));
      context.limiter.add_waker([loop = loops.back().get()] { loop->wake(); });
    }
    std::vector<std::thread> threads;
    for (unsigned i = 1; i < loops_; ++i) {
      threads.emplace_back([&loop = *loops[i]] { loop.run(); });
    }
    loops[0]->run();
    for (auto& thread : threads) thread.join();
  }

 private:
  unsigned loops_;
  bool reuse_port_;
};

}  // namespace

std::optional<std::string> uring_unavailable_reason() { return uring::unavailable_reason(); }

std::unique_ptr<Engine> make_uring_engine(const ServerConfig& config) {
  if (auto reason = uring::unavailable_reason()) {
    throw std::runtime_error("cannot use io_uring: " + *reason);
  }
  return std::make_unique<UringEngine>(config);
}

}  // namespace echo
