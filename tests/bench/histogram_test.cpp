// Histogram: percentiles of known distributions within 1 %, exact min/max,
// merging, bucket geometry, and the .hgrm text format.
#include "bench/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench/report.hpp"

namespace echo::bench {
namespace {

constexpr double kMaxRelativeError = 0.01;
constexpr std::uint64_t kNanosPerMicro = 1000;

void expect_near_relative(std::uint64_t actual, std::uint64_t expected, const std::string& what) {
  const double error = std::abs(static_cast<double>(actual) - static_cast<double>(expected)) /
                       static_cast<double>(expected);
  EXPECT_LE(error, kMaxRelativeError) << what << ": got " << actual << ", expected " << expected;
}

// The exact percentile of sorted samples, with the histogram's rank rule.
std::uint64_t exact_percentile(const std::vector<std::uint64_t>& sorted, double percentile) {
  auto rank =
      static_cast<std::uint64_t>(percentile / 100.0 * static_cast<double>(sorted.size()) + 0.5);
  rank = std::clamp<std::uint64_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

constexpr double kPercentiles[] = {1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100};

void expect_matches_samples(std::vector<std::uint64_t> samples) {
  Histogram h;
  for (auto v : samples) h.record(v);
  std::sort(samples.begin(), samples.end());
  for (double p : kPercentiles)
    expect_near_relative(h.value_at_percentile(p), exact_percentile(samples, p),
                         "p" + std::to_string(p));
  EXPECT_EQ(h.min(), samples.front());
  EXPECT_EQ(h.max(), samples.back());
  EXPECT_EQ(h.count(), samples.size());
}

TEST(Histogram, UniformMicroseconds) {
  std::vector<std::uint64_t> samples;
  for (std::uint64_t us = 1; us <= 100'000; ++us) samples.push_back(us * kNanosPerMicro);
  expect_matches_samples(samples);
  Histogram h;
  for (auto v : samples) h.record(v);
  expect_near_relative(h.value_at_percentile(50), 50'000 * kNanosPerMicro, "p50");
  expect_near_relative(h.value_at_percentile(99), 99'000 * kNanosPerMicro, "p99");
  expect_near_relative(h.value_at_percentile(99.99), 99'990 * kNanosPerMicro, "p99.99");
  EXPECT_NEAR(h.mean(), 50'000.5 * kNanosPerMicro, 1.0);
}

TEST(Histogram, Constant) {
  Histogram h;
  constexpr std::uint64_t kValue = 1'234'567;
  h.record_n(kValue, 1000);
  for (double p : kPercentiles)
    expect_near_relative(h.value_at_percentile(p), kValue, "p" + std::to_string(p));
  EXPECT_EQ(h.min(), kValue);
  EXPECT_EQ(h.max(), kValue);
  EXPECT_EQ(h.value_at_percentile(100), kValue);
  EXPECT_DOUBLE_EQ(h.stddev(), 0.0);
}

TEST(Histogram, TwoPointMix) {
  Histogram h;
  h.record_n(100 * kNanosPerMicro, 900);
  h.record_n(10'000 * kNanosPerMicro, 100);
  expect_near_relative(h.value_at_percentile(50), 100 * kNanosPerMicro, "p50");
  expect_near_relative(h.value_at_percentile(90), 100 * kNanosPerMicro, "p90");
  expect_near_relative(h.value_at_percentile(90.1), 10'000 * kNanosPerMicro, "p90.1");
  expect_near_relative(h.value_at_percentile(99), 10'000 * kNanosPerMicro, "p99");
  EXPECT_EQ(h.max(), 10'000 * kNanosPerMicro);
}

TEST(Histogram, ExponentialWithFixedSeed) {
  std::mt19937_64 generator(42);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<std::uint64_t> samples;
  constexpr double kMeanNs = 200'000;
  for (int i = 0; i < 200'000; ++i) {
    // Inverse transform by hand, so the samples do not depend on the standard library.
    samples.push_back(static_cast<std::uint64_t>(-kMeanNs * std::log(1.0 - uniform(generator))) +
                      1);
  }
  expect_matches_samples(samples);
}

TEST(Histogram, SmallValuesAreExact) {
  Histogram h;
  for (std::uint64_t v = 0; v < Histogram::kSubBucketCount; ++v) h.record(v);
  for (std::uint64_t v = 1; v < Histogram::kSubBucketCount; ++v) {
    EXPECT_EQ(
        h.value_at_percentile(100.0 * static_cast<double>(v + 1) / Histogram::kSubBucketCount), v);
  }
}

TEST(Histogram, BucketsCoverEveryValueWithinTheirBound) {
  std::mt19937_64 generator(7);
  std::vector<std::uint64_t> values = {0,   1,    255,       256,        257,           511,
                                       512, 1000, 1'000'000, UINT64_MAX, UINT64_MAX - 1};
  for (int i = 0; i < 10'000; ++i) values.push_back(generator() >> (generator() % 64));
  for (std::uint64_t v : values) {
    const std::size_t index = Histogram::index_of(v);
    ASSERT_LT(index, Histogram::kIndexCount) << v;
    const std::uint64_t low = Histogram::lowest_equivalent(index);
    const std::uint64_t high = Histogram::highest_equivalent(index);
    EXPECT_LE(low, v);
    EXPECT_GE(high, v);
    if (low > 0) {
      EXPECT_LE(static_cast<double>(high - low) / static_cast<double>(low), 1.0 / 128) << v;
    }
  }
}

TEST(Histogram, MergeEqualsRecordingIntoOne) {
  Histogram a, b, both;
  std::mt19937_64 generator(3);
  for (int i = 0; i < 50'000; ++i) {
    const std::uint64_t v = generator() % 10'000'000;
    (i % 2 ? a : b).record(v);
    both.record(v);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), both.count());
  EXPECT_EQ(a.min(), both.min());
  EXPECT_EQ(a.max(), both.max());
  for (double p : kPercentiles)
    EXPECT_EQ(a.value_at_percentile(p), both.value_at_percentile(p)) << p;
  EXPECT_NEAR(a.mean(), both.mean(), 1e-6 * both.mean());
}

TEST(Histogram, MaxIsExactAndEmptyIsZero) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.value_at_percentile(99), 0u);
  EXPECT_EQ(h.max(), 0u);
  h.record(123'456'789);
  h.record(5);
  EXPECT_EQ(h.max(), 123'456'789u);
  EXPECT_EQ(h.value_at_percentile(100), 123'456'789u);
  EXPECT_EQ(h.min(), 5u);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.max(), 0u);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(Histogram, HgrmFormat) {
  Histogram h;
  for (std::uint64_t us = 1; us <= 10'000; ++us) h.record(us * kNanosPerMicro);
  std::ostringstream out;
  write_hgrm(out, h);
  const auto lines = lines_of(out.str());
  ASSERT_GT(lines.size(), 10u);
  EXPECT_EQ(lines[0], "       Value     Percentile TotalCount 1/(1-Percentile)");
  EXPECT_EQ(lines[1], "");
  EXPECT_EQ(lines[2], "       0.001 0.000000000000          1           1.00");

  // Value lines: 4 columns with non-decreasing value, percentile and count; then
  // one 3-column line at percentile 1.0; then the footer.
  double last_value = 0, last_percentile = -1;
  std::uint64_t last_count = 0;
  std::size_t i = 2;
  for (; i < lines.size() && lines[i][0] != '#'; ++i) {
    std::istringstream row(lines[i]);
    double value = 0, percentile = 0, inverse = 0;
    std::uint64_t count = 0;
    ASSERT_TRUE(row >> value >> percentile >> count) << lines[i];
    EXPECT_GE(value, last_value);
    EXPECT_GE(percentile, last_percentile);
    EXPECT_GE(count, last_count);
    last_value = value;
    last_percentile = percentile;
    last_count = count;
    if (!(row >> inverse)) {
      EXPECT_EQ(percentile, 1.0) << lines[i];
      EXPECT_EQ(count, 10'000u);
    }
  }
  EXPECT_EQ(lines[i - 1], "      10.000 1.000000000000      10000");
  ASSERT_EQ(lines.size(), i + 3);
  EXPECT_EQ(lines[i].rfind("#[Mean    =        5.00", 0), 0u) << lines[i];
  EXPECT_NE(lines[i].find(", StdDeviation   =        2.887]"), std::string::npos) << lines[i];
  EXPECT_EQ(lines[i + 1], "#[Max     =       10.000, Total count    =        10000]");
  EXPECT_EQ(lines[i + 2].rfind("#[Buckets = ", 0), 0u) << lines[i + 2];
  EXPECT_NE(lines[i + 2].find(", SubBuckets     =          256]"), std::string::npos)
      << lines[i + 2];
  // Percentile levels step as HdrHistogram's do: 5 ticks per half distance.
  EXPECT_NE(out.str().find(" 0.100000000000 "), std::string::npos);
  EXPECT_NE(out.str().find(" 0.550000000000 "), std::string::npos);
  EXPECT_NE(out.str().find(" 0.990625000000 "), std::string::npos);
}

}  // namespace
}  // namespace echo::bench
