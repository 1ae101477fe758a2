// The server's settings, filled in by the command line (server/cli.cpp) and read
// by every engine. One struct, so a behaviour cannot depend on which engine runs.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "core/admission_config.hpp"
#include "core/listen_spec.hpp"
#include "net/address.hpp"
#include "net/socket.hpp"

namespace echo {

// auto_select: uring where the kernel allows it, else epoll (resolve_engine).
enum class EngineKind { blocking, threads, epoll, uring, auto_select };
enum class LogFormat { text, json };

struct ServerConfig {
  std::vector<ListenSpec> listen;
  EngineKind engine = EngineKind::auto_select;
  unsigned threads = 0;  // event loops for epoll and uring; 0 = one per core
  bool reuse_port =
      false;  // epoll, uring: a listener per loop (SO_REUSEPORT) instead of one shared
  // 64 KiB: a bulk stream splices a whole default pipe per call (1.3-1.6x the
  // stream rate of 16 KiB, docs/performance.md); an idle connection holds none.
  std::size_t buffer_size_bytes = 64 * 1024;
  std::size_t splice_pipes =
      32;  // pipes per loop (per connection: 1) for bulk echo by splice; 0 = off
  std::chrono::milliseconds write_timeout{5000};  // 0 = off
  std::chrono::milliseconds idle_timeout{0};      // 0 = off
  std::chrono::milliseconds drain_timeout{5000};
  // PROXY listeners: a connection whose header is not complete by then is
  // refused (3 s, as the specification suggests); 0 = off.
  std::chrono::milliseconds proxy_timeout{3000};
  std::size_t max_connections = 10000;
  AdmissionConfig admission;  // allow/deny lists, per-IP limit
  int backlog = 4096;
  bool nodelay = true;
  net::KeepAlive keepalive;
  std::string log_level = "info";
  LogFormat log_format = LogFormat::text;
};

const char* to_string(EngineKind kind);

}  // namespace echo
