// A high-dynamic-range histogram of nanosecond values (latencies), in the manner
// of HdrHistogram: log-linear buckets, O(1) record, mergeable, fixed memory.
//
// Values below 256 ns are counted exactly. Above, each power-of-two range is cut
// into 128 equal sub-buckets, so a bucket is at most 1/128 (0.78 %) as wide as the
// values it holds: any reported percentile is within 0.78 % of a recorded value,
// from 1 ns up to the full 64-bit range, in 7,424 counters (58 KiB).
// Each worker thread records into its own; they are merged once at the end.
// Try it: tests/bench/histogram_test.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace echo::bench {

class Histogram {
 public:
  static constexpr unsigned kSubBucketBits = 8;
  static constexpr std::uint64_t kSubBucketCount = std::uint64_t{1} << kSubBucketBits;
  static constexpr std::uint64_t kSubBucketHalf = kSubBucketCount / 2;
  // Bucket exponents 0..(64 - kSubBucketBits), each kSubBucketHalf sub-buckets,
  // plus the exact lower half of the first.
  static constexpr std::size_t kIndexCount = (64 - kSubBucketBits + 2) * kSubBucketHalf;

  Histogram();

  void record(std::uint64_t value) noexcept { record_n(value, 1); }
  void record_n(std::uint64_t value, std::uint64_t count) noexcept;
  void merge(const Histogram& other);
  void reset();

  [[nodiscard]] std::uint64_t count() const noexcept { return total_; }
  [[nodiscard]] std::uint64_t min() const noexcept { return total_ ? min_ : 0; }
  [[nodiscard]] std::uint64_t max() const noexcept { return max_; }
  [[nodiscard]] double mean() const noexcept;
  [[nodiscard]] double stddev() const noexcept;

  // The smallest recorded-bucket value v such that `percentile` % of the values
  // are <= v (reported as the bucket's highest value, never above max()). 0 when empty.
  [[nodiscard]] std::uint64_t value_at_percentile(double percentile) const noexcept;

  // Bucket geometry, for exporters that walk the counts (the .hgrm writer).
  [[nodiscard]] static std::size_t index_of(std::uint64_t value) noexcept;
  [[nodiscard]] static std::uint64_t lowest_equivalent(std::size_t index) noexcept;
  [[nodiscard]] static std::uint64_t highest_equivalent(std::size_t index) noexcept;
  [[nodiscard]] std::uint64_t count_at_index(std::size_t index) const noexcept {
    return counts_[index];
  }
  // Number of power-of-two buckets that hold values up to max() (HdrHistogram's "Buckets").
  [[nodiscard]] std::size_t bucket_count() const noexcept;

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t total_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
  // Doubles: a sum of 10^9 values of 10^9 ns would overflow nothing, and the mean
  // and deviation are reported to a few significant digits anyway.
  double sum_ = 0;
  double sum_squares_ = 0;
};

}  // namespace echo::bench
