#include "server/cli.hpp"

#include <CLI/CLI.hpp>
#include <charconv>
#include <iostream>

#include "cli/cli_support.hpp"
#include "core/cidr.hpp"
#include "core/timer_list.hpp"
#include "core/units.hpp"

namespace echo {

namespace {

// Connection timeouts are kept in 32-bit milliseconds (core/timer_list.hpp).
cli::DurationRule timeout_rule() {
  return cli::DurationRule::at_most(TimerList::kMaxTimeout, "24 days");
}

CLI::Validator cidr_validator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        std::string error;
        return parse_cidr(text, &error) ? "" : error;
      },
      "");
}

struct PerIpPrefix {
  unsigned v4 = 32;
  unsigned v6 = 64;
};

// "V4BITS,V6BITS", as "32,64": IPv4 1-32, IPv6 1-128.
std::optional<PerIpPrefix> parse_per_ip_prefix(std::string_view text) {
  const auto comma = text.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  const auto number = [](std::string_view digits, unsigned low, unsigned high) {
    unsigned value = 0;
    const auto* end = digits.data() + digits.size();
    const auto [ptr, ec] = std::from_chars(digits.data(), end, value);
    const bool ok =
        !digits.empty() && ec == std::errc() && ptr == end && value >= low && value <= high;
    return ok ? std::optional(value) : std::nullopt;
  };
  const auto v4 = number(text.substr(0, comma), 1, 32);
  const auto v6 = number(text.substr(comma + 1), 1, 128);
  if (!v4 || !v6) return std::nullopt;
  return PerIpPrefix{*v4, *v6};
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
         "IPv6 address) or unix:PATH; port 0 = any free port; tcp+proxy://ADDR:PORT and "
         "unix+proxy:PATH require a PROXY protocol header (v1 or v2) on every connection")
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
      ->default_str("64KiB")
      ->type_name("BYTES");
  app.add_option("--splice-pipes", c.splice_pipes,
                 "Pipes per event loop (blocking, threads: per connection, at most 1) for echoing "
                 "bulk streams by splice(2), 2 descriptors each; 0 = always copy")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{0}, std::size_t{4096}).description(""))
      ->type_name("N");

  std::string write_timeout = "5s", idle_timeout = "off", drain_timeout = "5s";
  app.add_option("--write-timeout", write_timeout,
                 "Close a connection whose pending echo makes no progress this long (off = never)")
      ->check(cli::duration_validator(timeout_rule()))
      ->capture_default_str()
      ->type_name("DURATION");
  app.add_option("--idle-timeout", idle_timeout,
                 "Close a connection with no traffic this long (off = never)")
      ->check(cli::duration_validator(timeout_rule()))
      ->capture_default_str()
      ->type_name("DURATION");
  app.add_option("--drain-timeout", drain_timeout,
                 "On SIGINT/SIGTERM, keep serving open connections at most this long")
      ->check(cli::duration_validator())
      ->capture_default_str()
      ->type_name("DURATION");

  std::string proxy_timeout = "3s";
  app.add_option("--proxy-timeout", proxy_timeout,
                 "On a PROXY listener, refuse a connection whose header is not complete this "
                 "long after it connected (off = never)")
      ->check(cli::duration_validator(timeout_rule()))
      ->capture_default_str()
      ->type_name("DURATION");
  std::vector<std::string> proxy_from;
  app.add_option("--proxy-from", proxy_from,
                 "Only this CIDR block may send a PROXY header (the balancers); repeatable; "
                 "default: anyone who can reach a PROXY listener")
      ->check(cidr_validator())
      ->type_name("CIDR");

  app.add_option("--max-connections", c.max_connections,
                 "Most connections at once; more wait in the listen backlog")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{100'000'000}).description(""))
      ->type_name("N");
  std::vector<std::string> allow, deny;
  app.add_option("--allow", allow,
                 "Only clients in this CIDR block may connect (10.0.0.0/8, ::1/128, a bare "
                 "address = one host); repeatable; Unix-socket clients are not subject to it")
      ->check(cidr_validator())
      ->type_name("CIDR");
  app.add_option("--deny", deny, "Refuse clients in this CIDR block; wins over --allow; repeatable")
      ->check(cidr_validator())
      ->type_name("CIDR");
  app.add_option("--max-connections-per-ip", c.admission.max_connections_per_ip,
                 "Most connections at once from one IPv4 address or IPv6 /64 (see "
                 "--per-ip-prefix); more are closed at once; 0 = no limit")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{0}, std::size_t{100'000'000}).description(""))
      ->type_name("N");
  std::string per_ip_prefix = "32,64";
  app.add_option("--per-ip-prefix", per_ip_prefix,
                 "The address groups --max-connections-per-ip counts: IPv4 and IPv6 prefix "
                 "lengths (IPv4 1-32, IPv6 1-128)")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            return parse_per_ip_prefix(text)
                       ? ""
                       : "'" + text + "' is not V4BITS,V6BITS (IPv4 1-32, IPv6 1-128, as 32,64)";
          },
          ""))
      ->capture_default_str()
      ->type_name("V4BITS,V6BITS");
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

  if (const auto exit_code = cli::parse_or_exit_code(app, argc, argv, "echo-server"))
    return {std::nullopt, *exit_code};

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
  c.proxy_timeout = *parse_duration(proxy_timeout);
  for (const auto& text : proxy_from) c.admission.proxy_from.push_back(*parse_cidr(text));
  c.keepalive = *parse_keepalive(keepalive);
  for (const auto& text : allow) c.admission.allow.push_back(*parse_cidr(text));
  for (const auto& text : deny) c.admission.deny.push_back(*parse_cidr(text));
  const PerIpPrefix prefix = *parse_per_ip_prefix(per_ip_prefix);
  c.admission.per_ip_prefix_v4 = prefix.v4;
  c.admission.per_ip_prefix_v6 = prefix.v6;
  if (options.quiet && c.log_level == "info") c.log_level = "warn";
  return {std::move(options), 0};
}

}  // namespace echo
