// The real echo-server, started on 127.0.0.1 port 0; the port is read from its
// "listening on" line. Plus what tests measure from outside: resident memory and
// CPU time from /proc.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace echo::test {

class ServerProcess {
 public:
  // Starts `echo-server --listen LISTEN --engine ENGINE ARGS...` and waits
  // (bounded) for it to listen. Fails the current test (ADD_FAILURE) if it does not.
  ServerProcess(const std::string& engine, const std::vector<std::string>& args = {},
                const SpawnOptions& options = {}, const std::string& listen = "127.0.0.1:0");

  bool started() const { return port_ != 0; }
  std::uint16_t port() const { return port_; }
  Process& process() { return *process_; }

  std::size_t resident_kib() const;  // VmRSS
  double cpu_seconds() const;        // utime + stime

 private:
  std::unique_ptr<Process> process_;
  std::uint16_t port_ = 0;
};

}  // namespace echo::test
