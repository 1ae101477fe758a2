// Runs one benchmark: starts a Worker thread per --threads, lines them up once
// every connection is up, prints the live progress line, merges their results.
// This is the library entry point the tests call; main.cpp adds the CLI around it.
#pragma once

#include <sys/resource.h>

#include <atomic>
#include <cstddef>
#include <iosfwd>

#include "bench/clock.hpp"
#include "bench/options.hpp"
#include "bench/stats.hpp"

namespace echo::bench {

struct RunResult {
  WorkerStats stats;          // merged over the workers
  double window_seconds = 0;  // the measured window (shorter if stopped early)
  int exit_code = kExitOk;
};

// `external_stop` (may be null) ends the window early when it becomes true
// (SIGINT). `progress` (may be null) receives one line per second.
RunResult run_benchmark(const Options& options, const std::atomic<bool>* external_stop = nullptr,
                        std::ostream* progress = nullptr);

// 0 ok, 1 errors detected, 3 no connection was ever established.
int exit_code_for(const WorkerStats& stats) noexcept;

// Descriptors a run needs: one per connection plus epoll/timer per thread and a
// few for stdio and the report file.
std::size_t descriptors_needed(const Options& options) noexcept;

// Raises RLIMIT_NOFILE's soft limit to its hard limit. Returns 0 when at least
// `needed` descriptors are then allowed, else the (hard) limit that is too low.
rlim_t raise_descriptor_limit(std::size_t needed) noexcept;

}  // namespace echo::bench
