// echo-server's command line and TOML config file (CLI11), into a ServerConfig.
#pragma once

#include <optional>

#include "core/config.hpp"

namespace echo {

struct ServerOptions {
  ServerConfig config;
  bool quiet = false;
};

// Returns the options, or the exit code when the process should end now: 0
// after --help/--version, 2 after a usage error (one line on stderr).
struct ParseOutcome {
  std::optional<ServerOptions> options;
  int exit_code = 0;
};

ParseOutcome parse_command_line(int argc, char** argv);

}  // namespace echo
