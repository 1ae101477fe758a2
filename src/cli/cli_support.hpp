// What the three programs (echo-server, echo-client, echo-bench) share about
// their CLI11 command lines: one way to end on --help, --version or a usage
// error (one line on stderr, "PROGRAM: what (see --help)", exit 2), and one
// duration validator.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace echo::cli {

inline constexpr int kUsageExitCode = 2;

// The text with its newlines folded to spaces: a usage error is one line.
std::string one_line(std::string text);

// Writes "PROGRAM: what (see --help)" as one line to err; returns kUsageExitCode.
int usage_error(std::ostream& err, std::string_view program, std::string_view what);

// Parses argv. Returns nullopt to carry on, or the exit code to end with now:
// app.exit's after --help/--version (printed to out), kUsageExitCode after a
// parse error (printed as one line by usage_error).
std::optional<int> parse_or_exit_code(CLI::App& app, int argc, const char* const* argv,
                                      std::string_view program, std::ostream& out = std::cout,
                                      std::ostream& err = std::cerr);

struct DurationRule {
  bool allow_zero = true;  // "0" and "off"
  std::optional<std::chrono::milliseconds> max;
  std::string max_text;  // how the limit reads in the message, "24 days"

  static DurationRule any() { return {}; }
  static DurationRule positive() { return {false, std::nullopt, {}}; }
  static DurationRule at_most(std::chrono::milliseconds limit, std::string text) {
    return {true, limit, std::move(text)};
  }
};

// Accepts what core/units.hpp's parse_duration reads, within the rule.
CLI::Validator duration_validator(DurationRule rule = DurationRule::any());

}  // namespace echo::cli
