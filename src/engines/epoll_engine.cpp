// The epoll engine: one event loop per thread (--threads, default one per core).
// By default all loops share one listener registered with EPOLLEXCLUSIVE, so the
// kernel hands each new connection to one idle loop; --reuseport gives each loop
// its own SO_REUSEPORT listener instead (see docs/engines.md for the measurement).
#include <memory>
#include <thread>
#include <vector>

#include "engines/engines.hpp"
#include "engines/epoll/event_loop.hpp"

namespace echo {

namespace {

unsigned loop_count(const ServerConfig& config) {
  if (config.threads > 0) return config.threads;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores > 0 ? cores : 1;
}

class EpollEngine final : public Engine {
 public:
  explicit EpollEngine(const ServerConfig& config)
      : loops_(loop_count(config)), reuse_port_(config.reuse_port) {}

  unsigned listener_copies() const override { return reuse_port_ ? loops_ : 1; }

  void run(ServerContext& context) override {
    std::vector<std::unique_ptr<epoll::EventLoop>> loops;
    for (unsigned i = 0; i < loops_; ++i) {
      auto& set = context.listeners.at(context.listeners.size() == 1 ? 0 : i);
      std::vector<int> fds;
      for (auto& fd : set) fds.push_back(fd.get());
      loops.push_back(std::make_unique<epoll::EventLoop>(context, std::move(fds),
                                                         context.listeners.size() == 1));
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

std::unique_ptr<Engine> make_epoll_engine(const ServerConfig& config) {
  return std::make_unique<EpollEngine>(config);
}

}  // namespace echo
