// echo-client's command line: where to connect, the timeouts, and which mode.
#pragma once

#include <chrono>
#include <optional>

#include "client/outcome.hpp"
#include "net/address.hpp"

namespace echo::client {

enum class Mode { automatic, interactive, pipe };

struct ClientOptions {
  net::Address server;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds reply_timeout{5000};  // 0 = wait for ever
  Mode mode = Mode::automatic;
};

struct ParsedCommandLine {
  std::optional<ClientOptions> options;  // nullopt: exit now with exit_code
  int exit_code = 0;
};

// Parses argv. On --help/--version prints and returns exit code 0; on a usage
// error prints one "echo-client: ..." line on stderr and returns exit code 2.
ParsedCommandLine parse_command_line(int argc, char** argv);

}  // namespace echo::client
