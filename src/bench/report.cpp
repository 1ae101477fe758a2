#include "bench/report.hpp"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <ostream>

namespace echo::bench {

namespace {

constexpr double kBytesPerMegabyte = 1e6;  // MB, as network tools count

struct Percentile {
  const char* label;
  const char* key;
  double value;
};
constexpr Percentile kReportedPercentiles[] = {
    {"p50", "p50", 50.0},     {"p90", "p90", 90.0},        {"p99", "p99", 99.0},
    {"p99.9", "p99_9", 99.9}, {"p99.99", "p99_99", 99.99},
};

double per_second(std::uint64_t count, double seconds) {
  return seconds > 0 ? static_cast<double>(count) / seconds : 0.0;
}

std::string size_text(const SizeRange& size) {
  if (size.min_bytes == size.max_bytes) return fmt::format("{}-byte messages", size.min_bytes);
  return fmt::format("{}..{}-byte messages", size.min_bytes, size.max_bytes);
}

std::string workload_text(const Options& options) {
  std::string text = fmt::format("{}, {} connection{}", mode_name(options.mode),
                                 options.connections, options.connections == 1 ? "" : "s");
  switch (options.mode) {
    case Mode::closed_loop:
      text += fmt::format(", pipeline {}, {}", options.pipeline, size_text(options.size));
      break;
    case Mode::open_loop:
      text += fmt::format(", {:.0f} msg/s scheduled, {}", options.rate_per_second,
                          size_text(options.size));
      break;
    case Mode::reconnect:
      text += fmt::format(", one message per connection ({})", size_text(options.size));
      break;
    case Mode::stream:
      if (options.discard) text += ", echo discarded (not verified)";
      break;
  }
  return text + fmt::format(", {} thread{}", options.threads, options.threads == 1 ? "" : "s");
}

const char* version_name(proxy::Version version) {
  return version == proxy::Version::v1 ? "v1" : "v2";
}

std::string proxy_source_text(const ProxyOptions& proxy) {
  if (!proxy.sources) return "each connection's own address";
  const auto pairs = proxy.sources->pair_count();
  return fmt::format("{} ({} pairs, one per connection, then from the start)",
                     proxy.sources->to_string(),
                     pairs ? fmt::format("{}", *pairs) : std::string("more than 2^64"));
}

std::string proxy_line(const ProxyOptions& proxy) {
  std::string line = fmt::format("{} header first on every connection (not counted), source {}",
                                 version_name(proxy.request.version), proxy_source_text(proxy));
  line += ", destination " +
          (proxy.request.destination ? proxy.request.destination->to_string() : "the target");
  if (!proxy.request.tlvs.empty()) line += fmt::format(", {} TLVs", proxy.request.tlvs.size());
  if (proxy.request.crc32c) line += ", CRC32C";
  return line;
}

std::string latency_line(const Histogram& h) {
  std::string line;
  for (const auto& p : kReportedPercentiles)
    line += fmt::format("{} {}  ", p.label, format_nanos(h.value_at_percentile(p.value)));
  return line + "max " + format_nanos(h.max());
}

nlohmann::json latency_json(const Histogram& h) {
  nlohmann::json j = {{"count", h.count()},
                      {"min", h.min()},
                      {"mean", std::llround(h.mean())},
                      {"stddev", std::llround(h.stddev())}};
  for (const auto& p : kReportedPercentiles) j[p.key] = h.value_at_percentile(p.value);
  j["max"] = h.max();
  return j;
}

}  // namespace

std::string format_nanos(std::uint64_t nanos) {
  const auto v = static_cast<double>(nanos);
  if (nanos < 1'000) return fmt::format("{} ns", nanos);
  if (nanos < 1'000'000) return fmt::format("{:.1f} us", v / 1e3);
  if (nanos < 1'000'000'000) return fmt::format("{:.2f} ms", v / 1e6);
  return fmt::format("{:.2f} s", v / 1e9);
}

void print_text_report(std::ostream& out, const Options& options, const RunResult& result) {
  const WorkerStats& s = result.stats;
  const double seconds = result.window_seconds;
  out << "echo-bench " << options.target_text << ": " << workload_text(options) << '\n';
  if (options.proxy) out << "  proxy       " << proxy_line(*options.proxy) << '\n';
  const double warmup_s = std::chrono::duration<double>(options.warmup).count();
  out << fmt::format("  window      {:.3f} s measured", seconds)
      << (warmup_s > 0 ? fmt::format(", after {:.3f} s warm-up", warmup_s) : std::string()) << '\n';
  if (options.mode == Mode::reconnect) {
    out << fmt::format("  connections {} completed, {:.1f} conn/s\n", s.connections_completed,
                       per_second(s.connections_completed, seconds));
    out << "  connect     " << latency_line(s.connect_latency) << '\n';
  }
  if (options.mode != Mode::stream) {
    out << fmt::format("  messages    {} echoed and verified, {:.1f} msg/s\n", s.messages,
                       per_second(s.messages, seconds));
  }
  out << fmt::format("  throughput  {:.2f} MB/s sent, {:.2f} MB/s received ({})\n",
                     per_second(s.bytes_sent, seconds) / kBytesPerMegabyte,
                     per_second(s.bytes_received, seconds) / kBytesPerMegabyte,
                     options.discard ? "counted, not verified" : "verified");
  if (options.discard) {
    out << "  verified    no: --discard dropped the echoed bytes in the kernel; they were "
           "counted, not checked\n";
  }
  if (options.mode != Mode::stream) {
    out << "  latency     " << latency_line(s.latency) << '\n';
    switch (options.mode) {
      case Mode::closed_loop:
        out << "              (from each send; closed loop: a slow echo delays the next send, so "
               "stalls are"
               " under-counted; use --rate)\n";
        break;
      case Mode::open_loop:
        out << "              (from each scheduled send time: includes waiting behind slow "
               "echoes)\n";
        break;
      case Mode::reconnect:
        out << "              (from connect() to the echo complete)\n";
        break;
      case Mode::stream:
        break;
    }
  }
  if (s.unfinished_messages)
    out << "  unfinished  " << s.unfinished_messages
        << " messages still in flight when the drain gave up\n";
  if (s.errors.total() == 0) {
    out << "  errors      none\n";
  } else {
    std::string kinds;
    for (std::size_t i = 0; i < kErrorKindCount; ++i) {
      if (s.errors.by_kind[i])
        kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", kErrorKindNames[i],
                             s.errors.by_kind[i]);
    }
    out << "  errors      " << s.errors.total() << " (" << kinds << ")\n";
    for (const auto& sample : s.error_samples) out << "              " << sample << '\n';
  }
  if (result.exit_code == kExitNoConnection) out << "  no connection could be established\n";
}

void print_json_report(std::ostream& out, const Options& options, const RunResult& result) {
  const WorkerStats& s = result.stats;
  const double seconds = result.window_seconds;
  nlohmann::json j;
  j["target"] = options.target_text;
  j["mode"] = options.mode == Mode::closed_loop ? "closed"
              : options.mode == Mode::open_loop ? "open"
              : options.mode == Mode::stream    ? "stream"
                                                : "reconnect";
  j["connections"] = options.connections;
  j["threads"] = options.threads;
  j["size_bytes"] = {{"min", options.size.min_bytes}, {"max", options.size.max_bytes}};
  j["pipeline"] = options.pipeline;
  j["discard"] = options.discard;
  const ProxyOptions* proxy = options.proxy ? &*options.proxy : nullptr;
  j["proxy_header"] =
      proxy ? nlohmann::json(version_name(proxy->request.version)) : nlohmann::json();
  j["proxy_source"] =
      proxy && proxy->sources ? nlohmann::json(proxy->sources->to_string()) : nlohmann::json();
  j["proxy_destination"] = proxy && proxy->request.destination
                               ? nlohmann::json(proxy->request.destination->to_string())
                               : nlohmann::json();
  j["proxy_tlvs"] = proxy ? proxy->request.tlvs.size() : 0;
  j["proxy_crc32c"] = proxy && proxy->request.crc32c;
  j["verified"] = !options.discard;
  j["rate_per_s"] =
      options.mode == Mode::open_loop ? nlohmann::json(options.rate_per_second) : nlohmann::json();
  j["warmup_s"] = std::chrono::duration<double>(options.warmup).count();
  j["window_s"] = seconds;
  j["messages"] = s.messages;
  j["messages_per_s"] = per_second(s.messages, seconds);
  j["bytes_sent"] = s.bytes_sent;
  j["bytes_received"] = s.bytes_received;
  j["mb_per_s_sent"] = per_second(s.bytes_sent, seconds) / kBytesPerMegabyte;
  j["mb_per_s_received"] = per_second(s.bytes_received, seconds) / kBytesPerMegabyte;
  j["latency_ns"] = latency_json(s.latency);
  if (options.mode == Mode::reconnect) {
    j["connections_completed"] = s.connections_completed;
    j["connections_per_s"] = per_second(s.connections_completed, seconds);
    j["connect_latency_ns"] = latency_json(s.connect_latency);
  }
  j["connections_established"] = s.connections_established;
  j["unfinished_messages"] = s.unfinished_messages;
  nlohmann::json errors;
  for (std::size_t i = 0; i < kErrorKindCount; ++i)
    errors[std::string(kErrorKindNames[i])] = s.errors.by_kind[i];
  errors["total"] = s.errors.total();
  j["errors"] = errors;
  j["error_samples"] = s.error_samples;
  j["exit_status"] = result.exit_code;
  out << j.dump() << '\n';
}

void write_hgrm(std::ostream& out, const Histogram& histogram, double nanos_per_unit,
                int ticks_per_half_distance) {
  out << fmt::format("{:>12} {:>14} {:>10} {:>14}\n\n", "Value", "Percentile", "TotalCount",
                     "1/(1-Percentile)");
  const std::uint64_t total = histogram.count();
  const auto scaled = [&](std::uint64_t v) { return static_cast<double>(v) / nanos_per_unit; };
  if (total > 0) {
    // HdrHistogram's PercentileIterator: report at levels whose step halves every
    // time the distance to 100 % halves, each at the first bucket reaching it.
    double level = 0.0;
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < Histogram::kIndexCount && cumulative < total; ++i) {
      const std::uint64_t count = histogram.count_at_index(i);
      if (count == 0) continue;
      cumulative += count;
      const std::uint64_t value = std::min(Histogram::highest_equivalent(i), histogram.max());
      while (100.0 * static_cast<double>(cumulative) / static_cast<double>(total) >= level) {
        const double fraction = level / 100.0;
        out << fmt::format("{:12.3f} {:2.12f} {:10d} {:14.2f}\n", scaled(value), fraction,
                           cumulative, 1.0 / (1.0 - fraction));
        const auto halvings = static_cast<std::int64_t>(std::log2(100.0 / (100.0 - level)));
        const auto ticks = static_cast<double>(ticks_per_half_distance) *
                           std::pow(2.0, static_cast<double>(halvings + 1));
        level += 100.0 / ticks;
        if (cumulative == total) break;  // the last value gets one line, then the 100 % line
      }
    }
    out << fmt::format("{:12.3f} {:2.12f} {:10d}\n", scaled(histogram.max()), 1.0, total);
  }
  out << fmt::format("#[Mean    = {:12.3f}, StdDeviation   = {:12.3f}]\n",
                     histogram.mean() / nanos_per_unit, histogram.stddev() / nanos_per_unit);
  out << fmt::format("#[Max     = {:12.3f}, Total count    = {:12d}]\n", scaled(histogram.max()),
                     total);
  out << fmt::format("#[Buckets = {:12d}, SubBuckets     = {:12d}]\n", histogram.bucket_count(),
                     Histogram::kSubBucketCount);
}

}  // namespace echo::bench
