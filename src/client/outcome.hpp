// How an echo-client run ends: the exit code (documented in --help) and, for a
// failure, the one line printed on stderr after "echo-client: ".
#pragma once

#include <string>

namespace echo::client {

enum class ExitCode : int {
  ok = 0,
  io_error = 1,        // reset, short echo, mismatch, timeout, stdin/stdout failure
  usage = 2,           // bad flag or address
  connect_failed = 3,  // refused, timed out, unreachable
};

struct Outcome {
  ExitCode code = ExitCode::ok;
  std::string message;  // empty when code is ok

  static Outcome success() { return {}; }
  static Outcome io_failure(std::string why) { return {ExitCode::io_error, std::move(why)}; }
};

}  // namespace echo::client
