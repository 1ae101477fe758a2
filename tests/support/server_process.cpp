#include "support/server_process.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <ostream>
#include <sstream>

#include "net/socket.hpp"
#include "support/client_socket.hpp"

namespace echo::test {

void PrintTo(const ServerKind& kind, std::ostream* out) {
  *out << kind.engine
       << (kind.listen == ListenKind::unix_socket ? " over unix"
           : kind.listen == ListenKind::tcp6      ? " over tcp6"
                                                  : " over tcp");
}

SocketDir::SocketDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "echo-sock-XXXXXX").string();
  if (::mkdtemp(pattern.data())) path_ = pattern;
}

SocketDir::~SocketDir() {
  std::error_code ignored;
  if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
}

ServerProcess::ServerProcess(const ServerKind& kind, const std::vector<std::string>& args,
                             const SpawnOptions& options)
    : listen_(kind.listen) {
  std::string listen = listen_ == ListenKind::tcp6 ? "[::1]:0" : kind.address;
  if (listen_ == ListenKind::unix_socket) {
    dir_ = std::make_unique<SocketDir>();
    if (!dir_->ok()) {
      ADD_FAILURE() << "cannot make a temporary directory for the socket";
      return;
    }
    path_ = dir_->file("echo.sock");
    listen = "unix:" + path_;
  }
  if (kind.proxy) {
    // "tcp+proxy://ADDR:PORT", "unix+proxy:PATH"
    const auto scheme_end = listen.find("://");
    if (listen_ == ListenKind::unix_socket) {
      listen = "unix+proxy:" + path_;
    } else {
      listen = "tcp+proxy://" +
               (scheme_end == std::string::npos ? listen : listen.substr(scheme_end + 3));
    }
  }
  std::vector<std::string> full{"--listen", listen, "--engine", kind.engine};
  full.insert(full.end(), args.begin(), args.end());
  process_ = std::make_unique<Process>(ECHO_SERVER_PATH, full, options);
  const auto line = process_->wait_for_stdout("listening on", 20s);
  if (!line) {
    ADD_FAILURE() << "echo-server did not start; stderr:\n" << process_->stderr_text();
    return;
  }
  if (listen_ != ListenKind::unix_socket) {
    port_ = static_cast<std::uint16_t>(std::stoul(line->substr(line->rfind(':') + 1)));
    // "listening on 127.0.0.1:PORT" or "[::1]:PORT"; a form without a host
    // (":PORT") is reached on 127.0.0.1.
    auto text = line->substr(line->find("listening on ") + 13);
    if (const auto scheme_end = text.find("://"); scheme_end != std::string::npos)
      text.erase(0, scheme_end + 3);
    address_ = net::parse_address(text).value_or(
        *net::parse_address("127.0.0.1:" + std::to_string(port_)));
  }
  started_ = true;
}

net::UniqueFd ServerProcess::connect(int* error, std::chrono::milliseconds timeout) const {
  if (listen_ == ListenKind::unix_socket) return connect_unix(path_, error, timeout);
  int code = 0;
  net::UniqueFd fd = net::connect_to(address_, timeout, &code);
  if (error) *error = -code;
  return fd;
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
