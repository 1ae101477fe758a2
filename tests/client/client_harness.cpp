// See client_harness.hpp.
#include "client/client_harness.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "net/address.hpp"
#include "net/socket.hpp"
#include "support/client_socket.hpp"

namespace echo::test {

TempDir::TempDir() {
  std::string pattern = "/tmp/echo-client-test.XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Fifo::Fifo(const std::string& path) : path_(path) {
  if (::mkfifo(path.c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed");
  fd_.reset(::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!fd_) throw std::runtime_error("cannot open the fifo");
}

bool Fifo::write_all(const std::string& data, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd_.get(), data.data() + done, data.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd pfd{fd_.get(), POLLOUT, 0};
    ::poll(&pfd, 1, static_cast<int>(left.count()));
  }
  return true;
}

SpawnOptions redirect(const std::string& stdin_path, const std::string& stdout_path) {
  SpawnOptions options;
  options.stdin_path = stdin_path;
  options.stdout_path = stdout_path;
  return options;
}

ClientRun finish_client(Process& client) {
  ClientRun run;
  run.exit_code = client.wait_exit(kClientExitTimeout);
  // No line ever contains this, so the wait ends when stderr closes (or times out).
  client.wait_for_stderr("\x01 end of stream \x01", 10s);
  run.stderr_text = client.stderr_text();
  return run;
}

ClientRun run_client(const std::vector<std::string>& args, const std::string& stdin_path,
                     const std::string& stdout_path) {
  Process client(ECHO_CLIENT_PATH, args, redirect(stdin_path, stdout_path));
  return finish_client(client);
}

std::string loopback(std::uint16_t port) {
  return "127.0.0.1:" + std::to_string(port);
}

std::size_t count_error_lines(const std::string& stderr_text) {
  std::istringstream lines(stderr_text);
  std::size_t count = 0;
  for (std::string line; std::getline(lines, line);) count += line.rfind("echo-client: ", 0) == 0;
  return count;
}

ScriptedServer::ScriptedServer() {
  int error = 0;
  listener_ = net::listen_on(*net::parse_address("127.0.0.1:0"), net::ListenOptions{}, &error);
  if (!listener_) throw std::runtime_error("cannot listen on 127.0.0.1:0");
  port_ = net::local_address(listener_.get())->port();
}

net::UniqueFd ScriptedServer::accept_one(std::chrono::milliseconds timeout) {
  if (!wait_readable(listener_.get(), timeout)) return {};
  const int fd = net::accept_connection(listener_.get());
  return fd >= 0 ? net::UniqueFd(fd) : net::UniqueFd();
}

}  // namespace echo::test
