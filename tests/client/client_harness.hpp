// What the echo-client tests share: a per-test temporary directory, file
// helpers, running the real echo-client binary with every wait bounded, and a
// scripted stand-in server for the failures a correct server never produces.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/unique_fd.hpp"
#include "support/process.hpp"

namespace echo::test {

using namespace std::chrono_literals;

constexpr auto kClientExitTimeout = 60s;

// A fresh directory under /tmp, removed with everything in it at the end.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
};

void write_file(const std::string& path, const std::string& data);
std::string read_file(const std::string& path);

// A FIFO the test holds open for writing (O_RDWR, so neither side's open blocks),
// to give echo-client a stdin that ends only when the test says so.
class Fifo {
 public:
  explicit Fifo(const std::string& path);
  const std::string& path() const { return path_; }
  // Writes all of data, waiting (bounded) while the reader catches up.
  bool write_all(const std::string& data, std::chrono::milliseconds timeout = 30s);
  void close() { fd_.reset(); }

 private:
  std::string path_;
  net::UniqueFd fd_;
};

// stdin from stdin_path ("" = /dev/null), stdout into the file stdout_path.
// (A designated initializer would trip -Wmissing-field-initializers.)
SpawnOptions redirect(const std::string& stdin_path, const std::string& stdout_path);

struct ClientRun {
  std::optional<int> exit_code;  // nullopt: still running at the deadline
  std::string stderr_text;       // all of it: read after the child closed stderr
};

// Runs echo-client to completion: stdin from stdin_path, stdout into stdout_path.
ClientRun run_client(const std::vector<std::string>& args, const std::string& stdin_path,
                     const std::string& stdout_path);

// Waits for a spawned client to exit, then for its stderr to close, so the text
// returned is complete (the capture thread may lag the exit).
ClientRun finish_client(Process& client);

std::string loopback(std::uint16_t port);

// Counts lines starting with "echo-client: " (the client's only stderr format).
std::size_t count_error_lines(const std::string& stderr_text);

// A listening socket on 127.0.0.1:0 that the test drives by hand.
class ScriptedServer {
 public:
  ScriptedServer();
  std::uint16_t port() const { return port_; }
  // Accepts one connection (bounded wait); an invalid fd if none came.
  net::UniqueFd accept_one(std::chrono::milliseconds timeout = 10s);

 private:
  net::UniqueFd listener_;
  std::uint16_t port_ = 0;
};

}  // namespace echo::test
