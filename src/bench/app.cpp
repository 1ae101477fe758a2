#include "bench/app.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iostream>

#include "bench/options.hpp"
#include "bench/report.hpp"
#include "bench/run.hpp"

namespace echo::bench {

namespace {

// Set by SIGINT/SIGTERM: the run ends its window early and still reports.
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "written from a signal handler");

void on_interrupt(int) {
  g_interrupted.store(true);
}

void install_interrupt_handler() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

}  // namespace

int bench_main(int argc, const char* const* argv) {
  auto parsed = parse_options(argc, argv, std::cout, std::cerr);
  if (!parsed.options) return parsed.exit_code;
  Options options = std::move(*parsed.options);
  // The live line goes to stderr, but only when a person is watching stdout:
  // a report redirected to a file or a pipe stays clean and so does its log.
  options.progress = ::isatty(STDOUT_FILENO) == 1;

  const std::size_t needed = descriptors_needed(options);
  if (const rlim_t limit = raise_descriptor_limit(needed); limit != 0) {
    std::cerr << "echo-bench: " << options.connections << " connections need " << needed
              << " file descriptors but the limit is " << limit
              << " (raise it with ulimit -Hn / LimitNOFILE)\n";
    return kExitUsage;
  }

  std::ofstream histogram_file;
  if (!options.histogram_path.empty()) {
    histogram_file.open(options.histogram_path, std::ios::out | std::ios::trunc);
    if (!histogram_file) {
      std::cerr << "echo-bench: --histogram: cannot write '" << options.histogram_path << "'\n";
      return kExitUsage;
    }
  }

  install_interrupt_handler();
  const RunResult result =
      run_benchmark(options, &g_interrupted, options.progress ? &std::cerr : nullptr);

  if (options.json) {
    print_json_report(std::cout, options, result);
  } else {
    print_text_report(std::cout, options, result);
  }
  if (histogram_file.is_open()) {
    write_hgrm(histogram_file, options.mode == Mode::reconnect ? result.stats.connect_latency
                                                               : result.stats.latency);
  }
  return result.exit_code;
}

}  // namespace echo::bench
