#include "bench/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace echo::bench {

Histogram::Histogram() : counts_(kIndexCount, 0) {}

std::size_t Histogram::index_of(std::uint64_t value) noexcept {
  if (value < kSubBucketCount) return static_cast<std::size_t>(value);
  // The exponent is how far value must shift right for its top bit to land in
  // the upper half of the sub-bucket range; sub is then in [half, 2 * half).
  const auto exponent = static_cast<unsigned>(std::bit_width(value)) - kSubBucketBits;
  const std::uint64_t sub = value >> exponent;
  return static_cast<std::size_t>(exponent * kSubBucketHalf + sub);
}

std::uint64_t Histogram::lowest_equivalent(std::size_t index) noexcept {
  if (index < kSubBucketCount) return index;
  const std::uint64_t exponent = index / kSubBucketHalf - 1;
  const std::uint64_t sub = index - exponent * kSubBucketHalf;
  return sub << exponent;
}

std::uint64_t Histogram::highest_equivalent(std::size_t index) noexcept {
  if (index < kSubBucketCount) return index;
  const std::uint64_t exponent = index / kSubBucketHalf - 1;
  return lowest_equivalent(index) + ((std::uint64_t{1} << exponent) - 1);
}

void Histogram::record_n(std::uint64_t value, std::uint64_t count) noexcept {
  if (count == 0) return;
  counts_[index_of(value)] += count;
  total_ += count;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  const auto v = static_cast<double>(value);
  const auto n = static_cast<double>(count);
  sum_ += v * n;
  sum_squares_ += v * v * n;
}

void Histogram::merge(const Histogram& other) {
  for (std::size_t i = 0; i < kIndexCount; ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
  sum_squares_ += other.sum_squares_;
}

void Histogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = 0;
  min_ = UINT64_MAX;
  max_ = 0;
  sum_ = 0;
  sum_squares_ = 0;
}

double Histogram::mean() const noexcept {
  return total_ ? sum_ / static_cast<double>(total_) : 0.0;
}

double Histogram::stddev() const noexcept {
  if (total_ == 0) return 0.0;
  const double m = mean();
  const double variance = sum_squares_ / static_cast<double>(total_) - m * m;
  return variance > 0 ? std::sqrt(variance) : 0.0;
}

std::uint64_t Histogram::value_at_percentile(double percentile) const noexcept {
  if (total_ == 0) return 0;
  const double clamped = std::clamp(percentile, 0.0, 100.0);
  // Rounded, not ceiled: 99 % of 100 values must be the 99th, not the 100th, when
  // 0.99 * 100 comes out as 99.00000000000001.
  auto wanted = static_cast<std::uint64_t>(clamped / 100.0 * static_cast<double>(total_) + 0.5);
  wanted = std::clamp<std::uint64_t>(wanted, 1, total_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kIndexCount; ++i) {
    seen += counts_[i];
    if (seen >= wanted) return std::min(highest_equivalent(i), max_);
  }
  return max_;
}

std::size_t Histogram::bucket_count() const noexcept {
  if (max_ < kSubBucketCount) return 1;
  return static_cast<std::size_t>(std::bit_width(max_)) - kSubBucketBits + 1;
}

}  // namespace echo::bench
