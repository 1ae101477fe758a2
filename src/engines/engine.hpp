// The engine interface: chosen once at start-up, so there is one virtual call
// per run and none per event. run() returns when the drain has finished.
#pragma once

#include <memory>

#include "core/server_context.hpp"

namespace echo {

class Engine {
 public:
  virtual ~Engine() = default;
  // How many copies of each listener the engine wants (one per loop for SO_REUSEPORT).
  virtual unsigned listener_copies() const { return 1; }
  virtual void run(ServerContext& context) = 0;
};

// Turns `auto` into the engine that will run: uring where the kernel allows it,
// else epoll (logging a `uring-unavailable` warning with the reason). Other
// kinds are returned as they are.
EngineKind resolve_engine(EngineKind requested);

// config.engine must be resolved. Throws std::runtime_error when the engine
// cannot run here (uring on a kernel without usable io_uring).
std::unique_ptr<Engine> make_engine(const ServerConfig& config);

}  // namespace echo
