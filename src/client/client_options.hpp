// echo-client's command line: where to connect, the timeouts, which mode, and
// the PROXY header to send first, if any.
#pragma once

#include <chrono>
#include <optional>

#include "cli/proxy_flags.hpp"
#include "client/outcome.hpp"
#include "net/address.hpp"

namespace echo::client {

enum class Mode { automatic, interactive, pipe };

// --proxy-header and its companions.
struct ProxySettings {
  cli::ProxyRequest request;
  std::optional<net::Address> source;  // nullopt: the socket's own local address
};

struct ClientOptions {
  net::Address server;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds reply_timeout{5000};  // 0 = wait for ever
  Mode mode = Mode::automatic;
  std::optional<ProxySettings> proxy;
};

struct ParsedCommandLine {
  std::optional<ClientOptions> options;  // nullopt: exit now with exit_code
  int exit_code = 0;
};

// Parses argv. On --help/--version prints and returns exit code 0; on a usage
// error prints one "echo-client: ..." line on stderr and returns exit code 2.
ParsedCommandLine parse_command_line(int argc, char** argv);

}  // namespace echo::client
