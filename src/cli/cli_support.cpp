#include "cli/cli_support.hpp"

#include <algorithm>

#include "core/units.hpp"

namespace echo::cli {

std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

int usage_error(std::ostream& err, std::string_view program, std::string_view what) {
  err << program << ": " << one_line(std::string(what)) << " (see --help)\n";
  return kUsageExitCode;
}

std::optional<int> parse_or_exit_code(CLI::App& app, int argc, const char* const* argv,
                                      std::string_view program, std::ostream& out,
                                      std::ostream& err) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    return usage_error(err, program, e.what());
  }
  return std::nullopt;
}

CLI::Validator duration_validator(DurationRule rule) {
  return CLI::Validator(
      [rule = std::move(rule)](std::string& text) -> std::string {
        const auto duration = parse_duration(text);
        if (!duration) {
          return "'" + text + "' is not a duration (like 250ms, 5s, 2m" +
                 (rule.allow_zero ? ", off)" : ")");
        }
        if (!rule.allow_zero && duration->count() == 0) return "the duration must be more than 0";
        if (rule.max && *duration > *rule.max)
          return "'" + text + "' is longer than " + rule.max_text;
        return "";
      },
      "");
}

}  // namespace echo::cli
