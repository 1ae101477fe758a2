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

std::unique_ptr<Engine> make_engine(const ServerConfig& config);

}  // namespace echo
