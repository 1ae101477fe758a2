// The three ways echo-bench reports a run: a text summary for people, one JSON
// object for scripts (--json), and the full latency distribution in
// HdrHistogram's .hgrm text format (--histogram FILE) for plotting with
// https://hdrhistogram.github.io/HdrHistogram/plotFiles.html.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "bench/histogram.hpp"
#include "bench/options.hpp"
#include "bench/run.hpp"

namespace echo::bench {

// "850 ns", "12.3 us", "4.56 ms", "1.20 s".
std::string format_nanos(std::uint64_t nanos);

void print_text_report(std::ostream& out, const Options& options, const RunResult& result);
void print_json_report(std::ostream& out, const Options& options, const RunResult& result);

// HdrHistogram's outputPercentileDistribution: values divided by
// `nanos_per_unit` (1e6: milliseconds), `ticks_per_half_distance` lines per
// halving of the distance to 100 %, then the Mean/StdDeviation/Max/Total footer.
void write_hgrm(std::ostream& out, const Histogram& histogram, double nanos_per_unit = 1e6,
                int ticks_per_half_distance = 5);

}  // namespace echo::bench
