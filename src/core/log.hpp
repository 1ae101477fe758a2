// Structured log events over spdlog: `log::event(level, "close", {{"peer", p}, ...})`
// prints `close peer=... reason=eof` in text mode or one JSON object per line in
// json mode. Events below the active level cost one comparison.
#pragma once

#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "core/config.hpp"

namespace echo::log {

using Level = spdlog::level::level_enum;

struct Field {
  using Value = std::variant<std::string_view, std::int64_t, std::uint64_t, double, bool>;

  template <class T>
  Field(std::string_view k, const T& v) : key(k), value(convert(v)) {}

  std::string_view key;
  Value value;

 private:
  template <class T>
  static Value convert(const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      return v;
    } else if constexpr (std::is_floating_point_v<T>) {
      return static_cast<double>(v);
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
      return static_cast<std::int64_t>(v);
    } else if constexpr (std::is_integral_v<T>) {
      return static_cast<std::uint64_t>(v);
    } else {
      return std::string_view(v);
    }
  }
};

// Installs the process-wide logger on stderr. Throws std::invalid_argument for an
// unknown level name.
void setup(std::string_view level, LogFormat format);

// Writes out buffered lines; engines call it once per loop turn or per session step.
void flush();

namespace detail {
// The logger's level, kept here too: spdlog::should_log goes through its
// registry (a function-local static and a shared_ptr) on every call, and the
// loops ask per event. Set by setup() (and by a future reload) only.
extern std::atomic<int> g_level;
}  // namespace detail

inline bool enabled(Level level) {
  return static_cast<int>(level) >= detail::g_level.load(std::memory_order_relaxed);
}

void write_event(Level level, std::string_view name, std::span<const Field> fields);
inline void write_event(Level level, std::string_view name, std::initializer_list<Field> fields) {
  write_event(level, name, std::span<const Field>(fields.begin(), fields.size()));
}

inline void event(Level level, std::string_view name, std::initializer_list<Field> fields = {}) {
  if (enabled(level)) write_event(level, name, fields);
}

}  // namespace echo::log
