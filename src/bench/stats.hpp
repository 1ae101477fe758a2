// What one worker thread measures and counts; merged across workers at the end.
// The error kinds are the ones echo-bench reports and exits 1 for.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bench/clock.hpp"
#include "bench/histogram.hpp"

namespace echo::bench {

enum class ErrorKind : std::uint8_t {
  mismatch,    // an echoed byte differs from the byte sent there (or was never sent)
  short_echo,  // the server closed (EOF) before echoing everything sent
  reset,       // ECONNRESET / EPIPE
  refused,     // ECONNREFUSED on connect
  timeout,     // no progress for --timeout with bytes outstanding, or a connect that slow
  closed,      // the server closed a connection that had nothing outstanding
  other,       // any other socket error (EADDRNOTAVAIL, EMFILE, ...)
};
constexpr std::size_t kErrorKindCount = 7;
constexpr std::array<std::string_view, kErrorKindCount> kErrorKindNames = {
    "mismatch", "short_echo", "reset", "refused", "timeout", "closed", "other"};

struct ErrorCounts {
  std::array<std::uint64_t, kErrorKindCount> by_kind{};

  void add(ErrorKind kind) noexcept { ++by_kind[static_cast<std::size_t>(kind)]; }
  [[nodiscard]] std::uint64_t of(ErrorKind kind) const noexcept {
    return by_kind[static_cast<std::size_t>(kind)];
  }
  [[nodiscard]] std::uint64_t total() const noexcept {
    std::uint64_t sum = 0;
    for (auto n : by_kind) sum += n;
    return sum;
  }
  void merge(const ErrorCounts& other) noexcept {
    for (std::size_t i = 0; i < kErrorKindCount; ++i) by_kind[i] += other.by_kind[i];
  }
};

struct WorkerStats {
  static constexpr std::size_t kMaxErrorSamples = 5;

  Histogram latency;          // message round trips that started in the measured window
  Histogram connect_latency;  // --reconnect: connect() to writable
  std::uint64_t messages = 0;
  std::uint64_t bytes_sent = 0;             // in the window
  std::uint64_t bytes_received = 0;         // in the window, verified (unless --discard)
  std::uint64_t connections_completed = 0;  // --reconnect cycles in the window
  std::uint64_t connections_established = 0;
  std::uint64_t unfinished_messages = 0;  // still outstanding when the drain gave up
  Nanos last_completion_ns = 0;           // --messages: where the window ends
  ErrorCounts errors;
  std::vector<std::string> error_samples;  // the first few, one line each

  void merge(const WorkerStats& other);
};

}  // namespace echo::bench
