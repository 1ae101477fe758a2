// echo-bench's command line (CLI11) into an Options value. A bad option is one
// line, "echo-bench: ...", on stderr and exit status 2.
// Try it: echo-bench --help
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "bench/proxy_source_range.hpp"
#include "cli/proxy_flags.hpp"
#include "net/address.hpp"

namespace echo::bench {

// Exit statuses, documented in --help and docs/benchmarking.md.
constexpr int kExitOk = 0;
constexpr int kExitErrorsDetected = 1;
constexpr int kExitUsage = 2;
constexpr int kExitNoConnection = 3;

enum class Mode {
  closed_loop,  // send the next message when an echo completes (pipeline K outstanding)
  open_loop,    // send on a fixed schedule (--rate); latency from the scheduled time
  stream,       // write continuously while reading; throughput only
  reconnect,    // connect, echo one message, close, repeat
};

const char* mode_name(Mode mode) noexcept;

struct SizeRange {
  std::size_t min_bytes = 64;
  std::size_t max_bytes = 64;
};

// --proxy-header: a PROXY protocol header first on every connection.
struct ProxyOptions {
  cli::ProxyRequest request;                // version, destination, TLVs, CRC32C
  std::optional<ProxySourceRange> sources;  // nullopt: each socket's own local address
};

struct Options {
  net::Address target;
  std::string target_text;
  Mode mode = Mode::closed_loop;
  // --stream --discard: received bytes are dropped in the kernel (recv with
  // MSG_TRUNC, no copy) and only counted, so the load generator's core is not
  // spent checking them; the report says they were not verified.
  bool discard = false;
  std::size_t connections = 10;
  SizeRange size;
  std::size_t pipeline = 1;
  std::chrono::nanoseconds duration = std::chrono::seconds(10);
  std::uint64_t messages = 0;  // nonzero: stop after this many measured messages, not a duration
  std::chrono::nanoseconds warmup{0};
  std::size_t threads = 1;
  double rate_per_second = 0;  // open loop only
  std::chrono::nanoseconds timeout = std::chrono::seconds(5);
  std::vector<net::Address> sources;  // bind() before connect(), round-robin
  std::uint64_t seed = 1;
  std::optional<ProxyOptions> proxy;
  bool json = false;
  std::string histogram_path;
  bool progress = false;  // decided by the caller (stdout a terminal)
};

struct ParseOutcome {
  std::optional<Options> options;
  int exit_code = 0;  // when options is empty: 0 after --help, kExitUsage after an error
};

// Parses argv; errors and help go to `err` / `out`.
ParseOutcome parse_options(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

// "64" or "64-1500", each optionally with a K/KiB/M/MiB suffix.
std::optional<SizeRange> parse_size_range(std::string_view text);
// "127.0.0.1" or "127.0.0.1-127.0.0.200" (IPv4 range), or one "[::1]"-less IPv6 address.
std::optional<std::vector<net::Address>> parse_source_range(std::string_view text,
                                                            std::string* error);

}  // namespace echo::bench
