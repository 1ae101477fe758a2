#include "server/cli.hpp"

#include <CLI/CLI.hpp>
#include <iostream>

#include "core/timer_list.hpp"
#include "core/units.hpp"

namespace echo {

namespace {

CLI::Validator duration_validator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        return parse_duration(text) ? ""
                                    : "'" + text + "' is not a duration (like 250ms, 5s, 2m, off)";
      },
      "");
}

// Connection timeouts are kept in 32-bit milliseconds (core/timer_list.hpp).
CLI::Validator timeout_validator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const auto duration = parse_duration(text);
        if (!duration) return "'" + text + "' is not a duration (like 250ms, 5s, 2m, off)";
        if (*duration > TimerList::kMaxTimeout) return "'" + text + "' is longer than 24 days";
        return "";
      },
      "");
}

}  // namespace

ParseOutcome parse_command_line(int argc, char** argv) {
  ServerOptions options;
  ServerConfig& c = options.config;

  CLI::App app{"echo-server: a TCP echo server (RFC 862) with several I/O engines", "echo-server"};
  app.get_formatter()->column_width(36);
  app.set_version_flag("--version", "echo-server 0.1.0");
  app.set_config("--config", "", "Read options from a TOML file (keys are the long option names)")
      ->type_name("FILE");
  app.allow_config_extras(CLI::config_extras_mode::error);

  std::vector<std::string> listen{"127.0.0.1:7878"};
  app.add_option(
         "-l,--listen", listen,
         "Where to listen, repeatable: [tcp://]ADDR:PORT, [V6ADDR]:PORT, :PORT (every IPv4 and "
         "IPv6 address) or unix:PATH; port 0 = any free port")
      ->capture_default_str()
      ->type_name("WHERE");

  std::string engine = "auto";
  app.add_option(
         "-e,--engine", engine,
         "I/O engine: blocking (one client at a time), threads (one per connection), epoll or "
         "uring (event loop per thread), auto (uring where the kernel allows it, else epoll)")
      ->check(CLI::IsMember({"blocking", "threads", "epoll", "uring", "auto"}).description(""))
      ->capture_default_str()
      ->type_name("blocking|threads|epoll|uring|auto");
  app.add_option("-t,--threads", c.threads,
                 "Event loops for the epoll and uring engines (0 = one per core)")
      ->capture_default_str()
      ->check(CLI::Range(0u, 1024u).description(""))
      ->type_name("N");
  app.add_flag("--reuseport", c.reuse_port,
               "epoll, uring: one SO_REUSEPORT listener per loop instead of one shared listener");

  app.add_option("--buffer-size", c.buffer_size_bytes,
                 "Most bytes held per connection, read but not yet echoed (e.g. 16KiB, 1MiB)")
      ->transform(CLI::AsSizeValue(false).description(""))
      ->check(CLI::Range(std::size_t{64}, std::size_t{64} << 20).description(""))
      ->default_str("16KiB")
      ->type_name("BYTES");
  app.add_option("--splice-pipes", c.splice_pipes,
                 "Pipes per event loop (blocking, threads: per connection, at most 1) for echoing "
                 "bulk streams by splice(2), 2 descriptors each; 0 = always copy (uring: unused)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{0}, std::size_t{4096}).description(""))
      ->type_name("N");

  std::string write_timeout = "5s", idle_timeout = "off", drain_timeout = "5s";
  app.add_option("--write-timeout", write_timeout,
                 "Close a connection whose pending echo makes no progress this long (off = never)")
      ->check(timeout_validator())
      ->capture_default_str()
      ->type_name("DURATION");
  app.add_option("--idle-timeout", idle_timeout,
                 "Close a connection with no traffic this long (off = never)")
      ->check(timeout_validator())
      ->capture_default_str()
      ->type_name("DURATION");
  app.add_option("--drain-timeout", drain_timeout,
                 "On SIGINT/SIGTERM, keep serving open connections at most this long")
      ->check(duration_validator())
      ->capture_default_str()
      ->type_name("DURATION");

  app.add_option("--max-connections", c.max_connections,
                 "Most connections at once; more wait in the listen backlog")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{100'000'000}).description(""))
      ->type_name("N");
  app.add_option("--backlog", c.backlog,
                 "Listen backlog (connections the kernel queues before accept)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20).description(""))
      ->type_name("N");
  app.add_flag("--nodelay,!--no-nodelay", c.nodelay,
               "TCP_NODELAY on accepted sockets (default on)");
  std::string keepalive = "off";
  app.add_option("--keepalive", keepalive,
                 "TCP keep-alive: IDLE[,INTERVAL,COUNT] in seconds (e.g. 60 or 60,10,5), or off")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            return parse_keepalive(text)
                       ? ""
                       : "'" + text + "' is not IDLE[,INTERVAL,COUNT] (seconds) or off";
          },
          ""))
      ->capture_default_str()
      ->type_name("IDLE[,INTERVAL,COUNT]");

  app.add_option("--log-level", c.log_level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"})
                  .description(""))
      ->capture_default_str()
      ->type_name("LEVEL");
  std::string log_format = "text";
  app.add_option("--log-format", log_format, "text or json (one object per line)")
      ->check(CLI::IsMember({"text", "json"}).description(""))
      ->capture_default_str()
      ->type_name("text|json");
  app.add_flag("-q,--quiet", options.quiet,
               "Log warnings and errors only (same as --log-level warn)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return {std::nullopt, app.exit(e)};
  } catch (const CLI::CallForAllHelp& e) {
    return {std::nullopt, app.exit(e)};
  } catch (const CLI::CallForVersion& e) {
    return {std::nullopt, app.exit(e)};
  } catch (const CLI::ParseError& e) {
    std::cerr << "echo-server: " << e.what() << " (see --help)\n";
    return {std::nullopt, 2};
  }

  for (const auto& text : listen) {
    std::string error;
    auto spec = parse_listen_spec(text, &error);
    if (!spec) {
      std::cerr << "echo-server: --listen: " << error << "\n";
      return {std::nullopt, 2};
    }
    c.listen.push_back(std::move(*spec));
  }
  c.engine = engine == "blocking"  ? EngineKind::blocking
             : engine == "threads" ? EngineKind::threads
             : engine == "epoll"   ? EngineKind::epoll
             : engine == "uring"   ? EngineKind::uring
                                   : EngineKind::auto_select;
  c.log_format = log_format == "json" ? LogFormat::json : LogFormat::text;
  c.write_timeout = *parse_duration(write_timeout);
  c.idle_timeout = *parse_duration(idle_timeout);
  c.drain_timeout = *parse_duration(drain_timeout);
  c.keepalive = *parse_keepalive(keepalive);
  if (options.quiet && c.log_level == "info") c.log_level = "warn";
  return {std::move(options), 0};
}

}  // namespace echo
