#include "bench/options.hpp"

#include <arpa/inet.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <iostream>
#include <thread>

#include "cli/cli_support.hpp"
#include "core/units.hpp"

namespace echo::bench {

namespace {

constexpr std::size_t kMaxMessageBytes = std::size_t{64} << 20;
constexpr std::size_t kMaxConnections = 10'000'000;
constexpr std::size_t kMaxPipeline = 65'536;
constexpr std::size_t kMaxThreads = 1024;
constexpr std::size_t kMaxSourceAddresses = 65'536;

std::optional<std::size_t> parse_bytes(std::string_view text) {
  std::size_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr == text.data()) return std::nullopt;
  const std::string_view unit(ptr, static_cast<std::size_t>(end - ptr));
  std::size_t scale = 1;
  if (unit == "K" || unit == "KiB" || unit == "k") {
    scale = 1024;
  } else if (unit == "M" || unit == "MiB") {
    scale = 1024 * 1024;
  } else if (!unit.empty() && unit != "B") {
    return std::nullopt;
  }
  if (value > kMaxMessageBytes / scale) return std::nullopt;
  return value * scale;
}

// The checked --proxy-* flags, nullopt without --proxy-header; *error says why
// they are wrong, if they are.
std::optional<ProxyOptions> parse_proxy_options(const cli::ProxyFlags& flags,
                                                const net::Address& target, std::string* error) {
  auto checked = cli::check_proxy_flags(flags);
  if (!checked.request) {
    *error = std::move(checked.error);
    return std::nullopt;
  }
  ProxyOptions proxy{std::move(*checked.request), std::nullopt};
  if (!flags.source.empty()) {
    proxy.sources = parse_proxy_source_range(flags.source, error);
    if (!proxy.sources) return std::nullopt;
  }
  // Each socket's own address, the default source, is of the target's family.
  *error = cli::check_proxy_families(
      proxy.sources ? proxy.sources->family() : target.family(),
      proxy.sources ? "--proxy-source" : "each connection's own address (no --proxy-source)",
      proxy.request.destination ? proxy.request.destination->family() : target.family(),
      proxy.request.destination ? "--proxy-destination" : "the target (no --proxy-destination)");
  if (!error->empty()) return std::nullopt;
  return proxy;
}

}  // namespace

const char* mode_name(Mode mode) noexcept {
  switch (mode) {
    case Mode::closed_loop:
      return "closed loop";
    case Mode::open_loop:
      return "open loop";
    case Mode::stream:
      return "stream";
    case Mode::reconnect:
      return "reconnect";
  }
  return "?";
}

std::optional<SizeRange> parse_size_range(std::string_view text) {
  const auto dash = text.find('-');
  const auto low = parse_bytes(text.substr(0, dash));
  const auto high = dash == std::string_view::npos ? low : parse_bytes(text.substr(dash + 1));
  if (!low || !high || *low == 0 || *low > *high) return std::nullopt;
  return SizeRange{*low, *high};
}

std::optional<std::vector<net::Address>> parse_source_range(std::string_view text,
                                                            std::string* error) {
  const auto fail = [&](const std::string& why) -> std::optional<std::vector<net::Address>> {
    if (error) *error = "invalid --source '" + std::string(text) + "': " + why;
    return std::nullopt;
  };
  const auto dash = text.find('-');
  const std::string first(text.substr(0, dash));
  std::vector<net::Address> result;
  in_addr low{};
  if (::inet_pton(AF_INET, first.c_str(), &low) != 1) {
    in6_addr v6{};
    if (dash != std::string_view::npos || ::inet_pton(AF_INET6, first.c_str(), &v6) != 1)
      return fail("expected IPV4, IPV4-IPV4 or one IPv6 address");
    net::Address address;
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_addr = v6;
    address.length = sizeof(sockaddr_in6);
    result.push_back(address);
    return result;
  }
  in_addr high = low;
  if (dash != std::string_view::npos) {
    const std::string last(text.substr(dash + 1));
    if (::inet_pton(AF_INET, last.c_str(), &high) != 1)
      return fail("the range end is not an IPv4 address");
  }
  const std::uint32_t from = ntohl(low.s_addr);
  const std::uint32_t to = ntohl(high.s_addr);
  if (from > to) return fail("the range runs backwards");
  if (to - from >= kMaxSourceAddresses) return fail("more than 65536 addresses");
  for (std::uint64_t host = from; host <= to; ++host) {
    net::Address address;
    auto* in = reinterpret_cast<sockaddr_in*>(&address.storage);
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = htonl(static_cast<std::uint32_t>(host));
    address.length = sizeof(sockaddr_in);
    result.push_back(address);
  }
  return result;
}

ParseOutcome parse_options(int argc, const char* const* argv, std::ostream& out,
                           std::ostream& err) {
  Options options;
  const auto usage_error = [&](const std::string& message) {
    return ParseOutcome{std::nullopt, cli::usage_error(err, "echo-bench", message)};
  };

  CLI::App app{
      "echo-bench: load generator for any RFC 862 echo server; verifies every echoed byte.\n"
      "Exit status: 0 ok, 1 errors detected (mismatch, short echo, reset, refused, timeout, ...),\n"
      "2 usage error, 3 could not connect at all.",
      "echo-bench"};
  app.get_formatter()->column_width(34);
  app.set_version_flag("--version", "echo-bench 0.1.0");

  std::string target_text;
  app.add_option("target", target_text, "Server address, HOST:PORT or [V6]:PORT")
      ->required()
      ->type_name("HOST:PORT");
  app.add_option("-c,--connections", options.connections,
                 "Connections held open (reconnect: concurrent slots)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, kMaxConnections).description(""))
      ->type_name("N");
  std::string size_text = "64";
  app.add_option("-s,--size", size_text,
                 "Message size in bytes, fixed or MIN-MAX (uniform); K/M suffixes")
      ->capture_default_str()
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            return parse_size_range(text)
                       ? ""
                       : "'" + text + "' is not a size or MIN-MAX range (1 to 64M)";
          },
          ""))
      ->type_name("BYTES|MIN-MAX");
  app.add_option("-k,--pipeline", options.pipeline,
                 "Messages in flight per connection (closed loop)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, kMaxPipeline).description(""))
      ->type_name("K");
  std::string duration_text = "10s";
  auto* duration =
      app.add_option("-d,--duration", duration_text, "Measured time, after the warm-up")
          ->capture_default_str()
          ->check(cli::duration_validator(cli::DurationRule::positive()))
          ->type_name("DURATION");
  auto* messages = app.add_option("-m,--messages", options.messages,
                                  "Stop after this many measured messages instead")
                       ->check(CLI::Range(std::uint64_t{1}, UINT64_MAX).description(""))
                       ->type_name("M");
  duration->excludes(messages);
  std::string warmup_text = "0s";
  app.add_option("-w,--warmup", warmup_text, "Run this long before measuring (not counted)")
      ->capture_default_str()
      ->check(cli::duration_validator())
      ->type_name("DURATION");
  std::size_t threads = 0;
  app.add_option("-t,--threads", threads, "Event loops (threads); 0 = one per core")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{0}, kMaxThreads).description(""))
      ->type_name("T");
  auto* rate = app.add_option("-r,--rate", options.rate_per_second,
                              "Open loop: messages per second in total, on a fixed schedule")
                   ->check(CLI::Range(1e-3, 1e9).description(""))
                   ->type_name("R");
  bool stream = false;
  bool reconnect = false;
  auto* stream_flag =
      app.add_flag("--stream", stream, "Write continuously while reading; report MB/s each way");
  auto* reconnect_flag =
      app.add_flag("--reconnect", reconnect, "Connect, echo one message, close, repeat");
  bool discard = false;
  app.add_flag("--discard", discard,
               "With --stream: drop echoed bytes in the kernel, count them, do not verify them "
               "(server capacity)");
  rate->excludes(stream_flag)->excludes(reconnect_flag);
  stream_flag->excludes(reconnect_flag);
  std::string timeout_text = "5s";
  app.add_option("--timeout", timeout_text,
                 "A connection with bytes outstanding and no progress this long is an error")
      ->capture_default_str()
      ->check(cli::duration_validator(cli::DurationRule::positive()))
      ->type_name("DURATION");
  std::string source_text;
  app.add_option("--source", source_text,
                 "Local source addresses to spread connections over (bind before connect)")
      ->type_name("IP[-IP]");
  cli::ProxyFlags proxy_flags;
  cli::add_proxy_flags(app, proxy_flags,
                       "Clients the PROXY headers claim, one pair per connection, ports fastest: "
                       "ADDR:PORT or ADDR-ADDR:PORT-PORT (default: each socket's own address)",
                       "RANGE");
  app.add_option("--seed", options.seed, "Seed of the payload streams")
      ->capture_default_str()
      ->type_name("N");
  app.add_flag("--json", options.json, "Print the report as one JSON object");
  app.add_option("--histogram", options.histogram_path,
                 "Write the latency distribution to FILE (HdrHistogram .hgrm, ms)")
      ->type_name("FILE");

  if (const auto exit_code = cli::parse_or_exit_code(app, argc, argv, "echo-bench", out, err))
    return {std::nullopt, *exit_code};

  std::string error;
  auto address = net::parse_address(target_text, &error);
  if (!address) return usage_error(error);
  if (address->port() == 0) return usage_error("the target port must not be 0");
  options.target = *address;
  options.target_text = target_text;

  options.size = *parse_size_range(size_text);
  options.duration = *parse_duration(duration_text);
  options.warmup = *parse_duration(warmup_text);
  options.timeout = *parse_duration(timeout_text);
  if (options.messages != 0) options.duration = std::chrono::nanoseconds(0);

  if (!source_text.empty()) {
    auto sources = parse_source_range(source_text, &error);
    if (!sources) return usage_error(error);
    if (sources->front().family() != options.target.family())
      return usage_error("--source and the target must both be IPv4 or both IPv6");
    options.sources = std::move(*sources);
  }

  error.clear();
  auto proxy = parse_proxy_options(proxy_flags, options.target, &error);
  if (!error.empty()) return usage_error(error);
  options.proxy = std::move(proxy);

  if (stream) {
    options.mode = Mode::stream;
  } else if (reconnect) {
    options.mode = Mode::reconnect;
  } else if (options.rate_per_second > 0) {
    options.mode = Mode::open_loop;
  }
  if (options.mode == Mode::stream && options.messages != 0)
    return usage_error("--stream measures bytes, not messages: use --duration");
  if (discard && options.mode != Mode::stream)
    return usage_error("--discard needs --stream (only a stream's echo can go unchecked)");
  options.discard = discard;

  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  options.threads = std::min(threads, options.connections);
  return {std::move(options), 0};
}

}  // namespace echo::bench
