// The epoll engine: one event loop per thread (--threads, default one per core).
// By default all loops share one listener registered with EPOLLEXCLUSIVE, so the
// kernel hands each new connection to one idle loop; --reuseport gives each loop
// its own SO_REUSEPORT listener instead (see docs/engines.md for the measurement).
#include <memory>
#include <vector>

#include "engines/engines.hpp"
#include "engines/epoll/event_loop.hpp"
#include "engines/loop_runner.hpp"

namespace echo {

namespace {

class EpollEngine final : public Engine {
 public:
  explicit EpollEngine(const ServerConfig& config)
      : loops_(event_loop_count(config)), reuse_port_(config.reuse_port) {}

  unsigned listener_copies() const override { return reuse_port_ ? loops_ : 1; }

  void run(ServerContext& context) override {
    run_event_loops(context, loops_,
                    [](ServerContext& c, const std::vector<Listener>& listeners, bool shared) {
                      return std::make_unique<epoll::EventLoop>(c, listeners, shared);
                    });
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
