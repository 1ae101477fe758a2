// echo-client: sends stdin to a TCP echo server and prints what comes back,
// checking that every byte returned. Interactive (a line at a time) when stdin is
// a terminal, pipe mode (a stream, any size) otherwise.
//   echo-server &
//   echo-client 127.0.0.1:7878                 # type lines
//   echo-client 127.0.0.1:7878 < in > out && cmp in out
//   echo-client --proxy-header v2 127.0.0.1:7878   # a PROXY header first
#include <unistd.h>

#include <iostream>
#include <variant>

#include "client/client_options.hpp"
#include "client/connect.hpp"
#include "client/interactive_mode.hpp"
#include "client/pipe_mode.hpp"
#include "client/proxy_header.hpp"

namespace {

using echo::client::Outcome;

int report(const Outcome& outcome) {
  if (!outcome.message.empty()) std::cerr << "echo-client: " << outcome.message << "\n";
  return static_cast<int>(outcome.code);
}

}  // namespace

// SIGPIPE keeps its default: every socket write uses MSG_NOSIGNAL, and a closed
// stdout (`echo-client < in | head`) should end us quietly, as it ends cat.
int main(int argc, char** argv) {
  using namespace echo::client;
  const ParsedCommandLine parsed = parse_command_line(argc, argv);
  if (!parsed.options) return parsed.exit_code;
  const ClientOptions& options = *parsed.options;

  auto connected = connect_to_server(options.server, options.connect_timeout);
  if (const auto* failure = std::get_if<Outcome>(&connected)) return report(*failure);
  const echo::net::UniqueFd socket = std::get<echo::net::UniqueFd>(std::move(connected));
  if (options.proxy) {
    const Outcome sent = send_proxy_header(*options.proxy, socket.get());
    if (sent.code != ExitCode::ok) return report(sent);
  }

  const bool stdin_is_terminal = ::isatty(STDIN_FILENO) == 1;
  const Mode mode = options.mode != Mode::automatic ? options.mode
                    : stdin_is_terminal             ? Mode::interactive
                                                    : Mode::pipe;
  if (mode == Mode::interactive) {
    const InteractiveSettings settings{options.reply_timeout, stdin_is_terminal};
    return report(run_interactive_mode(socket.get(), STDIN_FILENO, STDOUT_FILENO, settings));
  }
  return report(run_pipe_mode(socket.get(), STDIN_FILENO, STDOUT_FILENO));
}
