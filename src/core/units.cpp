#include "core/units.hpp"

#include <charconv>
#include <cmath>
#include <string>

namespace echo {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text == "off") return std::chrono::milliseconds(0);
  double value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr == text.data() || !(value >= 0) || std::isinf(value))
    return std::nullopt;
  const std::string_view unit(ptr, static_cast<std::size_t>(end - ptr));
  double scale_ms = 0;
  if (unit.empty() || unit == "s") {
    scale_ms = 1000;
  } else if (unit == "ms") {
    scale_ms = 1;
  } else if (unit == "m" || unit == "min") {
    scale_ms = 60'000;
  } else if (unit == "h") {
    scale_ms = 3'600'000;
  } else {
    return std::nullopt;
  }
  const double ms = value * scale_ms;
  if (ms > 1e12) return std::nullopt;  // past any sensible timeout; also guards the cast
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(ms)));
}

std::optional<net::KeepAlive> parse_keepalive(std::string_view text) {
  if (text == "off" || text == "0") return net::KeepAlive{};
  net::KeepAlive result;
  std::string_view parts[3];
  std::size_t count = 0;
  while (count < 3) {
    const auto comma = text.find(',');
    parts[count++] = text.substr(0, comma);
    if (comma == std::string_view::npos) {
      text = {};
      break;
    }
    text.remove_prefix(comma + 1);
  }
  if (!text.empty() || count == 2) return std::nullopt;
  const auto seconds = [](std::string_view part) -> std::optional<std::chrono::seconds> {
    auto d = parse_duration(part);
    if (!d || d->count() < 1000 || d->count() % 1000 != 0 || d->count() > 32767 * 1000)
      return std::nullopt;
    return std::chrono::duration_cast<std::chrono::seconds>(*d);
  };
  auto idle = seconds(parts[0]);
  if (!idle) return std::nullopt;
  result.idle = *idle;
  if (count == 3) {
    auto interval = seconds(parts[1]);
    int probes = 0;
    const auto* end = parts[2].data() + parts[2].size();
    const auto [ptr, ec] = std::from_chars(parts[2].data(), end, probes);
    if (!interval || ec != std::errc() || ptr != end || probes < 1 || probes > 127)
      return std::nullopt;
    result.interval = *interval;
    result.count = probes;
  }
  return result;
}

}  // namespace echo
