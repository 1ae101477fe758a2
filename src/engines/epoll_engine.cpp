// The epoll engine: one event loop per thread (--threads, default one per core).
// By default all loops share one listener registered with EPOLLEXCLUSIVE, so the
// kernel hands each new connection to one idle loop; --reuseport gives each loop
// its own SO_REUSEPORT listener instead (see docs/engines.md for the measurement).
#include <memory>

#include "engines/engines.hpp"
#include "engines/epoll/event_loop.hpp"
#include "engines/loop_runner.hpp"

namespace echo {

std::unique_ptr<Engine> make_epoll_engine(const ServerConfig& config) {
  return std::make_unique<EventLoopEngine<epoll::EventLoop>>(config);
}

}  // namespace echo
