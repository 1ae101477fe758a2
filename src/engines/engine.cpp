#include "engines/engine.hpp"

#include "engines/engines.hpp"

namespace echo {

std::unique_ptr<Engine> make_engine(const ServerConfig& config) {
  switch (config.engine) {
    case EngineKind::blocking: return make_blocking_engine();
    case EngineKind::threads: return make_threads_engine();
    case EngineKind::epoll: return make_epoll_engine(config);
  }
  return nullptr;
}

const char* to_string(EngineKind kind) {
  switch (kind) {
    case EngineKind::blocking: return "blocking";
    case EngineKind::threads: return "threads";
    case EngineKind::epoll: return "epoll";
  }
  return "?";
}

}  // namespace echo
