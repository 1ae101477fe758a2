// echo-client's command line, parsed with CLI11. Usage errors print one line and
// exit 2; the exit codes are listed in the --help footer.
#include "client/client_options.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <climits>
#include <iostream>
#include <string>

#include "cli/cli_support.hpp"
#include "core/units.hpp"

namespace echo::client {

namespace {

constexpr const char* kDefaultServer = "127.0.0.1:7878";

// poll(2) takes an int; "off" still has to fit. The kernel gives up on an
// unanswered SYN after about two minutes anyway.
constexpr std::chrono::milliseconds kForever{INT_MAX};

constexpr const char* kFooter =
    "Modes:\n"
    "  interactive  reads a line, sends it, prints its echo once all of it is back\n"
    "  pipe         streams stdin through the server to stdout (cmp in out holds)\n"
    "  With --proxy-header the header goes first; only what follows it is checked\n"
    "Exit codes:\n"
    "  0  the session ended cleanly\n"
    "  1  I/O error during the session (reset, early close, short or wrong echo, timeout)\n"
    "  2  usage error (bad option or address)\n"
    "  3  could not connect (refused, timed out, unreachable)";

int usage_error(const std::string& what) {
  return cli::usage_error(std::cerr, "echo-client", what);
}

// The checked PROXY header settings, or the one-line reason they are wrong.
std::optional<ProxySettings> check_proxy(const cli::ProxyFlags& flags, const net::Address& server,
                                         std::string* error) {
  auto checked = cli::check_proxy_flags(flags);
  if (!checked.request) {
    *error = std::move(checked.error);
    return std::nullopt;
  }
  ProxySettings proxy{std::move(*checked.request), std::nullopt};
  if (!flags.source.empty()) {
    std::string why;
    proxy.source = net::parse_address(flags.source, &why);
    if (!proxy.source) {
      *error = "--proxy-source: " + why;
      return std::nullopt;
    }
  }
  // The socket's own addresses, the defaults, are of the server's family.
  *error = cli::check_proxy_families(
      proxy.source ? proxy.source->family() : server.family(),
      proxy.source ? "--proxy-source" : "the client's own address (no --proxy-source)",
      proxy.request.destination ? proxy.request.destination->family() : server.family(),
      proxy.request.destination ? "--proxy-destination"
                                : "the server's address (no --proxy-destination)");
  if (!error->empty()) return std::nullopt;
  return proxy;
}

}  // namespace

ParsedCommandLine parse_command_line(int argc, char** argv) {
  CLI::App app{"echo-client: send stdin to a TCP echo server and print what comes back",
               "echo-client"};
  app.get_formatter()->column_width(32);
  app.set_version_flag("--version", "echo-client 0.1.0");
  app.footer(kFooter);

  std::string server_text = kDefaultServer;
  app.add_option("server", server_text, "Server address, HOST:PORT or [V6ADDR]:PORT")
      ->capture_default_str()
      ->type_name("HOST:PORT");
  std::string connect_timeout = "5s", reply_timeout = "5s";
  app.add_option("--connect-timeout", connect_timeout,
                 "Give up connecting after this long (off = never)")
      ->check(cli::duration_validator())
      ->capture_default_str()
      ->type_name("DURATION");
  app.add_option("--reply-timeout", reply_timeout,
                 "Interactive: fail if a line's full echo takes longer (off = never)")
      ->check(cli::duration_validator())
      ->capture_default_str()
      ->type_name("DURATION");
  bool interactive = false, pipe = false;
  auto* interactive_flag = app.add_flag("-i,--interactive", interactive,
                                        "Line by line (default when stdin is a terminal)");
  auto* pipe_flag = app.add_flag("-p,--pipe", pipe, "Stream stdin to stdout (default otherwise)");
  interactive_flag->excludes(pipe_flag);
  pipe_flag->excludes(interactive_flag);
  cli::ProxyFlags proxy_flags;
  cli::add_proxy_flags(app, proxy_flags,
                       "Source the PROXY header claims (default: the client's own address)",
                       "ADDR:PORT");

  if (const auto exit_code = cli::parse_or_exit_code(app, argc, argv, "echo-client"))
    return {std::nullopt, *exit_code};

  std::string error;
  auto server = net::parse_address(server_text, &error);
  if (!server) return {std::nullopt, usage_error(error)};
  if (server->port() == 0) {
    return {std::nullopt,
            usage_error("invalid address '" + server_text + "': port 0 cannot be connected to")};
  }

  ClientOptions options;
  options.server = *server;
  const auto connect_ms = *parse_duration(connect_timeout);
  options.connect_timeout = connect_ms.count() == 0 ? kForever : std::min(connect_ms, kForever);
  options.reply_timeout = std::min(*parse_duration(reply_timeout), kForever);
  options.mode = interactive ? Mode::interactive : pipe ? Mode::pipe : Mode::automatic;
  options.proxy = check_proxy(proxy_flags, *server, &error);
  if (!error.empty()) return {std::nullopt, usage_error(error)};
  return {options, 0};
}

}  // namespace echo::client
