#include "core/log.hpp"

#include <fmt/format.h>
#include <spdlog/pattern_formatter.h>
#include <unistd.h>

#include <memory>
#include <stdexcept>

#include "core/batching_sink.hpp"

namespace echo::log {

namespace detail {
std::atomic<int> g_level{static_cast<int>(spdlog::level::info)};
}  // namespace detail

namespace {

LogFormat g_format = LogFormat::text;
// The installed sink, for flush()'s check; owned by the logger, which lives
// until exit (spdlog's registry holds it).
BatchingSink* g_sink = nullptr;

// spdlog's %l spells its warn level "warning"; the log lines promise the short
// names people type for --log-level.
class ShortLevel final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    static constexpr std::string_view kNames[] = {"trace", "debug",    "info", "warn",
                                                  "error", "critical", "off"};
    const auto name = kNames[static_cast<std::size_t>(msg.level)];
    dest.append(name.data(), name.data() + name.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<ShortLevel>();
  }
};

struct AppendValue {
  fmt::memory_buffer& out;
  bool json;
  void operator()(std::string_view s) const {
    // Text values stay bare unless they would split the key=value form.
    if (json || s.find_first_of(" \"=") != std::string_view::npos) {
      fmt::format_to(std::back_inserter(out), "{:?}", s);
    } else {
      out.append(s);
    }
  }
  void operator()(std::int64_t v) const { fmt::format_to(std::back_inserter(out), "{}", v); }
  void operator()(std::uint64_t v) const { fmt::format_to(std::back_inserter(out), "{}", v); }
  void operator()(double v) const { fmt::format_to(std::back_inserter(out), "{:.3f}", v); }
  void operator()(bool v) const { out.append(std::string_view(v ? "true" : "false")); }
};

}  // namespace

void setup(std::string_view level, LogFormat format) {
  const auto parsed = spdlog::level::from_str(std::string(level));
  // from_str maps unknown names to "off"; only accept "off" when asked for.
  if (parsed == spdlog::level::off && level != "off") {
    throw std::invalid_argument("unknown log level '" + std::string(level) + "'");
  }
  auto sink = std::make_shared<BatchingSink>(STDERR_FILENO);
  auto logger = std::make_shared<spdlog::logger>("echo", sink);
  spdlog::set_default_logger(logger);
  g_format = format;
  auto formatter = std::make_unique<spdlog::pattern_formatter>(
      format == LogFormat::json ? spdlog::pattern_time_type::utc
                                : spdlog::pattern_time_type::local);
  formatter->add_flag<ShortLevel>('*').set_pattern(
      format == LogFormat::json ? R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%*",%v})"
                                : "%Y-%m-%dT%H:%M:%S.%e %* %v");
  logger->set_formatter(std::move(formatter));
  logger->set_level(parsed);
  detail::g_level.store(static_cast<int>(parsed), std::memory_order_relaxed);
  // Lines are written in batches (see BatchingSink): loops flush once per turn,
  // warnings flush at once, and a background flush every second catches the rest.
  logger->flush_on(spdlog::level::warn);
  spdlog::flush_every(std::chrono::seconds(1));
  g_sink = sink.get();
}

void flush() {
  if (g_sink != nullptr && !g_sink->take_pending()) return;
  spdlog::default_logger_raw()->flush();
}

void write_event(Level level, std::string_view name, std::span<const Field> fields) {
  fmt::memory_buffer out;
  const bool json = g_format == LogFormat::json;
  if (json) {
    fmt::format_to(std::back_inserter(out), R"("event":"{}")", name);
  } else {
    out.append(name);
  }
  for (const auto& field : fields) {
    if (json) {
      fmt::format_to(std::back_inserter(out), R"(,"{}":)", field.key);
    } else {
      fmt::format_to(std::back_inserter(out), " {}=", field.key);
    }
    std::visit(AppendValue{out, json}, field.value);
  }
  spdlog::log(level, "{}", std::string_view(out.data(), out.size()));
}

}  // namespace echo::log
