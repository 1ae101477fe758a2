// Everything an engine is handed: the settings, the open listeners, and the
// shared policy objects (connection limit, shutdown). The engine only moves bytes.
#pragma once

#include <vector>

#include "core/admission.hpp"
#include "core/config.hpp"
#include "core/connection_limiter.hpp"
#include "core/listeners.hpp"
#include "core/shutdown.hpp"

namespace echo {

struct ServerContext {
  explicit ServerContext(ServerConfig cfg)
      : config(std::move(cfg)),
        limiter(config.max_connections),
        admission(config.admission),
        shutdown(config.drain_timeout) {}

  ServerConfig config;
  // listeners[copy][index]: one copy per event loop with --reuseport, else one.
  // A Unix listener's socket file goes with it: the context outlives the engine run.
  std::vector<std::vector<Listener>> listeners;
  ConnectionLimiter limiter;
  Admission admission;  // allow/deny and per-IP limits, after accept
  Shutdown shutdown;
};

}  // namespace echo
