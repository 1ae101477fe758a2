// Pipe mode: streams stdin through the server to stdout, so that
// `echo-client HOST:PORT < in > out && cmp in out` holds for input of any size.
#pragma once

#include "client/outcome.hpp"

namespace echo::client {

// Runs on a connected socket until the server's EOF after our half-close, then
// checks that as many bytes came back as were sent.
Outcome run_pipe_mode(int socket_fd, int in_fd, int out_fd);

}  // namespace echo::client
