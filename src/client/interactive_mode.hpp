// Interactive mode: one line at a time, each printed only once its whole echo
// has come back and matched what was sent.
#pragma once

#include <chrono>

#include "client/outcome.hpp"

namespace echo::client {

struct InteractiveSettings {
  std::chrono::milliseconds reply_timeout{5000};  // per line; 0 = wait for ever
  bool prompt = false;                            // print "> " before each line
};

// Runs the session on a connected socket until stdin ends (then half-closes and
// waits for the server's close) or something goes wrong.
Outcome run_interactive_mode(int socket_fd, int in_fd, int out_fd,
                             const InteractiveSettings& settings);

}  // namespace echo::client
