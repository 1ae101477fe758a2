// echo-bench's latency histogram. Record runs once per echoed message on the
// worker thread that also drives the sockets, so its cost comes straight out of
// the load generator's own rate; values are spread log-uniformly over 10 us to
// 100 ms so they land in many buckets, not one hot counter. ReportPercentiles is
// what the report computes per histogram, and Merge what combines the workers'
// histograms at the end (both walk the whole counter array).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <vector>

#include "bench/histogram.hpp"
#include "bench/payload.hpp"

namespace {

using echo::bench::Histogram;

constexpr std::size_t kValueCount = std::size_t{1} << 16;  // a power of two: index by mask

// Latencies in ns, log-uniform in [10 us, 100 ms), from a fixed seed.
std::vector<std::uint64_t> latencies() {
  std::vector<std::uint64_t> values(kValueCount);
  std::uint64_t state = 1;
  for (auto& value : values) {
    const double unit = static_cast<double>(echo::bench::splitmix64(state) >> 11) * 0x1p-53;
    value = static_cast<std::uint64_t>(1e4 * std::pow(1e4, unit));
  }
  return values;
}

Histogram filled() {
  Histogram histogram;
  for (const std::uint64_t value : latencies()) histogram.record(value);
  return histogram;
}

void BM_Histogram_Record(benchmark::State& state) {
  const std::vector<std::uint64_t> values = latencies();
  Histogram histogram;
  std::size_t next = 0;
  for (auto _ : state) {
    histogram.record(values[next]);
    next = (next + 1) & (kValueCount - 1);
    benchmark::ClobberMemory();  // each record's counter update must really happen
  }
  std::uint64_t count = histogram.count();
  benchmark::DoNotOptimize(count);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Histogram_Record);

// The percentiles echo-bench's report prints (report.cpp).
constexpr double kReportedPercentiles[] = {50.0, 90.0, 99.0, 99.9, 99.99};

void BM_Histogram_ReportPercentiles(benchmark::State& state) {
  const Histogram histogram = filled();
  for (auto _ : state) {
    for (const double percentile : kReportedPercentiles) {
      std::uint64_t value = histogram.value_at_percentile(percentile);
      benchmark::DoNotOptimize(value);
    }
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<std::int64_t>(std::size(kReportedPercentiles)));
}
BENCHMARK(BM_Histogram_ReportPercentiles);

void BM_Histogram_Merge(benchmark::State& state) {
  const Histogram other = filled();
  Histogram total;
  for (auto _ : state) {
    total.merge(other);
    benchmark::ClobberMemory();
  }
  std::uint64_t count = total.count();
  benchmark::DoNotOptimize(count);
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(Histogram::kIndexCount *
                                                                         sizeof(std::uint64_t)));
}
BENCHMARK(BM_Histogram_Merge);

}  // namespace
