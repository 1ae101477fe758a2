#include "support/server_process.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace echo::test {

ServerProcess::ServerProcess(const std::string& engine, const std::vector<std::string>& args,
                             const SpawnOptions& options, const std::string& listen) {
  std::vector<std::string> full{"--listen", listen, "--engine", engine};
  full.insert(full.end(), args.begin(), args.end());
  process_ = std::make_unique<Process>(ECHO_SERVER_PATH, full, options);
  const auto line = process_->wait_for_stdout("listening on", 20s);
  if (!line) {
    ADD_FAILURE() << "echo-server did not start; stderr:\n" << process_->stderr_text();
    return;
  }
  port_ = static_cast<std::uint16_t>(std::stoul(line->substr(line->rfind(':') + 1)));
}

std::size_t ServerProcess::resident_kib() const {
  std::ifstream status("/proc/" + std::to_string(process_->pid()) + "/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      std::size_t kib = 0;
      status >> kib;
      return kib;
    }
    status.ignore(1 << 20, '\n');
  }
  return 0;
}

double ServerProcess::cpu_seconds() const {
  std::ifstream stat("/proc/" + std::to_string(process_->pid()) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command name, which is in parentheses and may hold spaces.
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::string field;
  unsigned long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoul(field);
    if (i == 15) stime = std::stoul(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace echo::test
