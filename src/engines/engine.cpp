#include "engines/engine.hpp"

#include "core/log.hpp"
#include "engines/engines.hpp"

namespace echo {

EngineKind resolve_engine(EngineKind requested) {
  if (requested != EngineKind::auto_select) return requested;
  if (auto reason = uring_unavailable_reason()) {
    log::event(log::Level::warn, "uring-unavailable", {{"reason", *reason}, {"fallback", "epoll"}});
    return EngineKind::epoll;
  }
  return EngineKind::uring;
}

std::unique_ptr<Engine> make_engine(const ServerConfig& config) {
  switch (config.engine) {
    case EngineKind::blocking:
      return make_blocking_engine();
    case EngineKind::threads:
      return make_threads_engine();
    case EngineKind::epoll:
      return make_epoll_engine(config);
    case EngineKind::uring:
      return make_uring_engine(config);
    case EngineKind::auto_select: {
      ServerConfig resolved = config;
      resolved.engine = resolve_engine(config.engine);
      return make_engine(resolved);
    }
  }
  return nullptr;
}

const char* to_string(EngineKind kind) {
  switch (kind) {
    case EngineKind::blocking:
      return "blocking";
    case EngineKind::threads:
      return "threads";
    case EngineKind::epoll:
      return "epoll";
    case EngineKind::uring:
      return "uring";
    case EngineKind::auto_select:
      return "auto";
  }
  return "?";
}

}  // namespace echo
