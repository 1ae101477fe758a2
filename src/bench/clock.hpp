// Monotonic time in nanoseconds, the one clock every echo-bench timestamp comes
// from (clock_gettime through the vDSO: tens of nanoseconds, no system call).
#pragma once

#include <time.h>

#include <cstdint>

namespace echo::bench {

using Nanos = std::int64_t;

constexpr Nanos kNanosPerMicro = 1'000;
constexpr Nanos kNanosPerMilli = 1'000'000;
constexpr Nanos kNanosPerSecond = 1'000'000'000;

inline Nanos now_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return Nanos{ts.tv_sec} * kNanosPerSecond + ts.tv_nsec;
}

}  // namespace echo::bench
