// Connecting to the server, with the failure turned into the one line a user
// needs ("connection refused by 127.0.0.1:7878").
#pragma once

#include <chrono>
#include <string>
#include <variant>

#include "client/outcome.hpp"
#include "net/address.hpp"
#include "net/unique_fd.hpp"

namespace echo::client {

// A connected socket, or the Outcome (exit code 3 and its message) to end with.
std::variant<net::UniqueFd, Outcome> connect_to_server(const net::Address& server,
                                                       std::chrono::milliseconds timeout);

// The message for a failed connect, given -errno.
std::string describe_connect_error(int negative_errno, const net::Address& server,
                                   std::chrono::milliseconds timeout);

}  // namespace echo::client
