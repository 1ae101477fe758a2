#include "bench/run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <ostream>
#include <thread>
#include <vector>

#include "bench/report.hpp"
#include "bench/worker.hpp"

namespace echo::bench {

namespace {

constexpr std::size_t kDescriptorsPerThread = 2;  // epoll + timerfd
constexpr std::size_t kDescriptorsReserved = 16;  // stdio, report file, libc
constexpr auto kRunnerPollPeriod = std::chrono::milliseconds(100);
constexpr Nanos kProgressPeriodNs = kNanosPerSecond;

void print_progress(std::ostream& out, const Options& options, Nanos elapsed_ns, bool warming_up,
                    double seconds, const ProgressSample& sample) {
  const auto at = static_cast<double>(elapsed_ns) / static_cast<double>(kNanosPerSecond);
  std::string line;
  if (options.mode == Mode::stream) {
    line = fmt::format("echo-bench: {:6.1f} s  {:9.2f} MB/s received", at,
                       static_cast<double>(sample.bytes_received) / 1e6 / seconds);
  } else if (options.mode == Mode::reconnect) {
    line = fmt::format("echo-bench: {:6.1f} s  {:9.0f} conn/s  p99 {}", at,
                       static_cast<double>(sample.connections_completed) / seconds,
                       format_nanos(sample.latency.value_at_percentile(99)));
  } else {
    line = fmt::format("echo-bench: {:6.1f} s  {:9.0f} msg/s  p99 {}", at,
                       static_cast<double>(sample.messages) / seconds,
                       format_nanos(sample.latency.value_at_percentile(99)));
  }
  out << line << "  errors " << sample.errors << (warming_up ? "  (warm-up)" : "") << '\n'
      << std::flush;
}

}  // namespace

int exit_code_for(const WorkerStats& stats) noexcept {
  if (stats.connections_established == 0) return kExitNoConnection;
  return stats.errors.total() ? kExitErrorsDetected : kExitOk;
}

std::size_t descriptors_needed(const Options& options) noexcept {
  return options.connections + kDescriptorsPerThread * options.threads + kDescriptorsReserved;
}

rlim_t raise_descriptor_limit(std::size_t needed) noexcept {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur >= needed ? 0 : limit.rlim_cur;
}

RunResult run_benchmark(const Options& options, const std::atomic<bool>* external_stop,
                        std::ostream* progress) {
  RunControl control(options.threads);
  std::vector<std::unique_ptr<Worker>> workers;
  for (std::size_t i = 0; i < options.threads; ++i)
    workers.push_back(std::make_unique<Worker>(options, i, control));

  std::mutex mutex;
  std::condition_variable finished_changed;
  std::size_t finished = 0;
  std::vector<std::thread> threads;
  for (auto& worker : workers) {
    threads.emplace_back([&, w = worker.get()] {
      w->run();
      const std::lock_guard lock(mutex);
      ++finished;
      finished_changed.notify_one();
    });
  }

  control.ready.wait();  // every worker's connect phase is bounded by --timeout
  const Nanos start = now_ns();
  control.start_ns.store(start);
  control.go.count_down();

  const Nanos measure_start = start + options.warmup.count();
  Nanos next_progress = start + kProgressPeriodNs;
  {
    std::unique_lock lock(mutex);
    while (finished < workers.size()) {
      finished_changed.wait_for(lock, kRunnerPollPeriod,
                                [&] { return finished == workers.size(); });
      if (external_stop && external_stop->load()) control.stop.store(true);
      const Nanos now = now_ns();
      if (progress && now >= next_progress && finished < workers.size()) {
        lock.unlock();
        ProgressSample sample;
        for (auto& worker : workers) worker->take_progress(sample);
        const double seconds = static_cast<double>(now - next_progress + kProgressPeriodNs) / 1e9;
        print_progress(*progress, options, now - start, now - kProgressPeriodNs / 2 < measure_start,
                       seconds, sample);
        next_progress = now + kProgressPeriodNs;
        lock.lock();
      }
    }
  }
  for (auto& thread : threads) thread.join();

  RunResult result;
  Nanos window_end = measure_start;
  for (auto& worker : workers) {
    result.stats.merge(worker->stats());
    window_end = std::max(window_end, worker->window_end_ns());
  }
  if (options.messages != 0) window_end = std::max(measure_start, result.stats.last_completion_ns);
  result.window_seconds = static_cast<double>(window_end - measure_start) / 1e9;
  result.exit_code = exit_code_for(result.stats);
  return result;
}

}  // namespace echo::bench
