// The command line and the config file, from outside: bad input is one line on
// stderr and exit 2; a config file, IPv6 and JSON logs work end to end.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "net/unique_fd.hpp"
#include "support/client_socket.hpp"
#include "support/process.hpp"
#include "support/server_process.hpp"

namespace echo::test {
namespace {

namespace fs = std::filesystem;

// The port from a "listening on HOST:PORT" line.
std::uint16_t port_of(const std::string& line) {
  return static_cast<std::uint16_t>(std::stoul(line.substr(line.rfind(':') + 1)));
}

// A fresh directory for config files, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "echo-options-XXXXXX").string();
    if (::mkdtemp(pattern.data())) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  bool ok() const { return !path_.empty(); }
  fs::path write(const std::string& name, const std::string& text) const {
    const fs::path file = path_ / name;
    std::ofstream(file) << text;
    return file;
  }

 private:
  fs::path path_;
};

struct BadOption {
  std::vector<std::string> args;
  std::string option;  // the name the error line must mention
};

// Names the case in test output as the command line it runs.
void PrintTo(const BadOption& bad, std::ostream* out) {
  for (const auto& arg : bad.args) *out << arg << ' ';
}

class BadOptions : public ::testing::TestWithParam<BadOption> {};

TEST_P(BadOptions, ExitTwoWithOneLineNamingTheOption) {
  const BadOption& bad = GetParam();
  Process server(ECHO_SERVER_PATH, bad.args);
  const auto code = server.wait_exit(10s);
  ASSERT_TRUE(code) << "still running";
  EXPECT_EQ(*code, 2);
  // The reader thread may still hold the last bytes: wait for the pipe's end.
  server.wait_for_stderr("\x01never", 5s);
  const auto lines = lines_of(server.stderr_text());
  ASSERT_EQ(lines.size(), 1u) << server.stderr_text();
  EXPECT_EQ(lines[0].rfind("echo-server: ", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find(bad.option), std::string::npos) << lines[0];
  EXPECT_EQ(server.stdout_text(), "");
}

INSTANTIATE_TEST_SUITE_P(Option, BadOptions,
                         ::testing::Values(BadOption{{"--buffer-size", "0"}, "--buffer-size"},
                                           BadOption{{"--engine", "foo"}, "--engine"},
                                           BadOption{{"--bogus"}, "--bogus"},
                                           BadOption{{"--listen", "nonsense"}, "--listen"},
                                           BadOption{{"--write-timeout", "5x"}, "--write-timeout"},
                                           BadOption{{"--idle-timeout", "1000h"}, "--idle-timeout"},
                                           BadOption{{"--splice-pipes", "-1"}, "--splice-pipes"},
                                           BadOption{{"--keepalive", "1,2"}, "--keepalive"}),
                         [](const auto& param_info) {
                           std::string name;
                           for (const char ch : param_info.param.option)
                             if (std::isalnum(static_cast<unsigned char>(ch))) name += ch;
                           return name;
                         });

// Names a case by its option and its index, as one option has several bad values.
INSTANTIATE_TEST_SUITE_P(
    Admission, BadOptions,
    ::testing::Values(BadOption{{"--allow", "10.0.0.1/8"}, "--allow"},
                      BadOption{{"--allow", "127.0.0.0/33"}, "--allow"},
                      BadOption{{"--deny", "::1/129"}, "--deny"},
                      BadOption{{"--deny", "example.com"}, "--deny"},
                      BadOption{{"--per-ip-prefix", "33,64"}, "--per-ip-prefix"},
                      BadOption{{"--per-ip-prefix", "32,0"}, "--per-ip-prefix"},
                      BadOption{{"--per-ip-prefix", "24"}, "--per-ip-prefix"},
                      BadOption{{"--max-connections-per-ip", "x"}, "--max-connections-per-ip"},
                      BadOption{{"--max-connections-per-ip", "-1"}, "--max-connections-per-ip"},
                      BadOption{{"--proxy-from", "10.0.0.1/8"}, "--proxy-from"},
                      BadOption{{"--proxy-from", "proxy.example"}, "--proxy-from"},
                      BadOption{{"--proxy-timeout", "3x"}, "--proxy-timeout"},
                      BadOption{{"--proxy-timeout", "1000h"}, "--proxy-timeout"},
                      BadOption{{"--listen", "tcp+proxy:127.0.0.1:1"}, "--listen"}),
    [](const auto& param_info) {
      std::string name;
      for (const char ch : param_info.param.option)
        if (std::isalnum(static_cast<unsigned char>(ch))) name += ch;
      return name + std::to_string(param_info.index);
    });

// Runs the server until it exits; returns its exit code and stderr.
struct Finished {
  std::optional<int> code;
  std::string stderr_text;
  std::string stdout_text;
};
Finished run_to_exit(const std::vector<std::string>& args) {
  Process server(ECHO_SERVER_PATH, args);
  Finished result;
  result.code = server.wait_exit(10s);
  server.wait_for_stderr("\x01never", 5s);  // until the pipe closes
  server.wait_for_stdout("\x01never", 5s);
  result.stderr_text = server.stderr_text();
  result.stdout_text = server.stdout_text();
  return result;
}

TEST(Options, MissingConfigFileIsOneLineAndExitTwo) {
  const std::string missing = "/nonexistent-echo-config-dir/server.toml";
  const Finished run = run_to_exit({"--config", missing});
  ASSERT_TRUE(run.code);
  EXPECT_EQ(*run.code, 2);
  const auto lines = lines_of(run.stderr_text);
  ASSERT_EQ(lines.size(), 1u) << run.stderr_text;
  EXPECT_EQ(lines[0].rfind("echo-server: ", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find(missing), std::string::npos) << lines[0];
}

TEST(Options, ConfigFileStartsTheServer) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const auto config = dir.write("server.toml",
                                "engine = \"threads\"\n"
                                "listen = [\"127.0.0.1:0\"]\n"
                                "write-timeout = \"2s\"\n");
  Process server(ECHO_SERVER_PATH, {"--config", config.string()});
  const auto listening = server.wait_for_stdout("listening on 127.0.0.1:", 20s);
  ASSERT_TRUE(listening) << server.stderr_text();
  const auto start = server.wait_for_stderr("info start engine=threads", 5s);
  EXPECT_TRUE(start) << server.stderr_text();

  auto fd = connect_loopback(port_of(*listening));
  ASSERT_TRUE(fd);
  ASSERT_TRUE(send_all(fd.get(), "from config\n"));
  EXPECT_EQ(recv_exact(fd.get(), 12), "from config\n");
}

TEST(Options, ConfigFileWithUnknownKeyIsRejected) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const auto config = dir.write("server.toml",
                                "engine = \"threads\"\n"
                                "listen = [\"127.0.0.1:0\"]\n"
                                "no-such-option = 3\n");
  const Finished run = run_to_exit({"--config", config.string()});
  ASSERT_TRUE(run.code);
  EXPECT_EQ(*run.code, 2) << run.stderr_text;
  const auto lines = lines_of(run.stderr_text);
  ASSERT_EQ(lines.size(), 1u) << run.stderr_text;
  EXPECT_NE(lines[0].find("no-such-option"), std::string::npos) << lines[0];
  EXPECT_EQ(run.stdout_text.find("listening on"), std::string::npos);
}

TEST(Options, ConfigFileTakesAdmissionRules) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const auto config = dir.write("server.toml",
                                "engine = \"epoll\"\n"
                                "listen = [\"127.0.0.1:0\"]\n"
                                "deny = [\"10.0.0.0/8\", \"127.0.0.1\"]\n"
                                "max-connections-per-ip = 4\n"
                                "per-ip-prefix = \"24,56\"\n");
  Process server(ECHO_SERVER_PATH, {"--config", config.string()});
  const auto listening = server.wait_for_stdout("listening on 127.0.0.1:", 20s);
  ASSERT_TRUE(listening) << server.stderr_text();
  auto fd = connect_loopback(port_of(*listening));
  ASSERT_TRUE(fd);
  EXPECT_EQ(recv_until_end(fd.get(), 5s).data, "");  // 127.0.0.1 is denied
  EXPECT_TRUE(server.wait_for_stderr("reason=denied", 5s)) << server.stderr_text();
}

TEST(Options, BadAdmissionRulesInTheConfigFileAreOneLineAndExitTwo) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  for (const std::string& line :
       {std::string("allow = [\"127.0.0.0/33\"]"), std::string("deny = [\"1.2.3.4/8\"]"),
        std::string("per-ip-prefix = \"32,0\""), std::string("max-connections-per-ip = -3")}) {
    const auto config = dir.write("server.toml", "listen = [\"127.0.0.1:0\"]\n" + line + "\n");
    const Finished run = run_to_exit({"--config", config.string()});
    ASSERT_TRUE(run.code) << line;
    EXPECT_EQ(*run.code, 2) << line << ": " << run.stderr_text;
    const auto lines = lines_of(run.stderr_text);
    ASSERT_EQ(lines.size(), 1u) << line << ": " << run.stderr_text;
    EXPECT_EQ(lines[0].rfind("echo-server: ", 0), 0u) << lines[0];
    const std::string key = line.substr(0, line.find(' '));
    EXPECT_NE(lines[0].find(key), std::string::npos) << lines[0];
  }
}

TEST(Options, AddressInUseExitsOne) {
  // Hold a listening socket on a kernel-chosen port, then ask the server for it.
  net::UniqueFd holder(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(holder);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(holder.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(holder.get(), 8), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(::getsockname(holder.get(), reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string taken = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));

  const Finished run = run_to_exit({"--listen", taken});
  ASSERT_TRUE(run.code);
  EXPECT_EQ(*run.code, 1) << run.stderr_text;
  EXPECT_NE(
      run.stderr_text.find("echo-server: cannot listen on " + taken + ": address already in use"),
      std::string::npos)
      << run.stderr_text;
}

TEST(Options, HelpMentionsEveryOption) {
  const Finished run = run_to_exit({"--help"});
  ASSERT_TRUE(run.code);
  EXPECT_EQ(*run.code, 0);
  for (const char* option : {"--help",
                             "--version",
                             "--config",
                             "--listen",
                             "--engine",
                             "--threads",
                             "--reuseport",
                             "--buffer-size",
                             "--splice-pipes",
                             "--write-timeout",
                             "--idle-timeout",
                             "--drain-timeout",
                             "--max-connections",
                             "--allow",
                             "--deny",
                             "--max-connections-per-ip",
                             "--per-ip-prefix",
                             "--backlog",
                             "--nodelay",
                             "--no-nodelay",
                             "--keepalive",
                             "--log-level",
                             "--log-format",
                             "--quiet"}) {
    EXPECT_NE(run.stdout_text.find(option), std::string::npos) << option << " missing from --help";
  }
}

bool have_ipv6_loopback() {
  net::UniqueFd fd(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return false;
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_addr = in6addr_loopback;
  return ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
}

TEST(Options, ListensOnIpv6Loopback) {
  if (!have_ipv6_loopback())
    GTEST_SKIP() << "this machine has no IPv6 loopback (cannot bind [::1])";
  Process server(ECHO_SERVER_PATH, {"--listen", "[::1]:0"});
  const auto listening = server.wait_for_stdout("listening on [::1]:", 20s);
  ASSERT_TRUE(listening) << server.stderr_text();

  net::UniqueFd fd(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(fd);
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_addr = in6addr_loopback;
  address.sin6_port = htons(port_of(*listening));
  ASSERT_EQ(::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address), 0)
      << std::strerror(errno);
  ASSERT_TRUE(send_all(fd.get(), "over ipv6\n"));
  EXPECT_EQ(recv_exact(fd.get(), 10), "over ipv6\n");
}

TEST(Options, JsonLogFormat) {
  ServerProcess server("epoll", {"--log-format", "json"});
  ASSERT_TRUE(server.started());
  auto fd = server.connect();
  ASSERT_TRUE(fd);
  ASSERT_TRUE(send_all(fd.get(), "json\n"));
  ASSERT_EQ(recv_exact(fd.get(), 5), "json\n");

  const auto open = server.process().wait_for_stderr("\"event\":\"open\"", 5s);
  ASSERT_TRUE(open) << server.process().stderr_text();
  EXPECT_EQ(open->front(), '{') << *open;
  EXPECT_EQ(open->back(), '}') << *open;
  EXPECT_NE(open->find("\"level\":\"info\""), std::string::npos) << *open;
  // Whole lines only: the last one may still be arriving.
  std::string text = server.process().stderr_text();
  text.erase(text.rfind('\n') + 1);
  for (const auto& line : lines_of(text)) {
    ASSERT_FALSE(line.empty());
    EXPECT_EQ(line.front(), '{') << "not a JSON object: " << line;
    EXPECT_EQ(line.back(), '}') << "not a JSON object: " << line;
  }
}

}  // namespace
}  // namespace echo::test
