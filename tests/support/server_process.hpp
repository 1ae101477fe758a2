// The real echo-server, started on 127.0.0.1 port 0 (the port is read from its
// "listening on" line) or on a Unix socket in a fresh temporary directory. Plus
// what tests measure from outside: resident memory and CPU time from /proc.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "net/address.hpp"
#include "net/unique_fd.hpp"
#include "support/process.hpp"

namespace echo::test {

// What the server under test listens on.
enum class ListenKind {
  tcp,          // ServerKind::address, 127.0.0.1:0 unless said
  tcp6,         // [::1]:0
  unix_socket,  // a socket file in a fresh directory
};

// An engine and a listener kind: what the behaviour suite is run over.
struct ServerKind {
  std::string engine;
  ListenKind listen = ListenKind::tcp;
  std::string address = "127.0.0.1:0";  // tcp: what to listen on
  // A PROXY listener (tcp+proxy://, unix+proxy:): every connection must start
  // with a PROXY protocol header.
  bool proxy = false;
};
void PrintTo(const ServerKind& kind, std::ostream* out);

// A fresh temporary directory for socket files, removed with everything in it.
// Its paths stay short: a Unix socket path must fit in 107 bytes.
class SocketDir {
 public:
  SocketDir();
  ~SocketDir();
  SocketDir(const SocketDir&) = delete;
  SocketDir& operator=(const SocketDir&) = delete;

  bool ok() const { return !path_.empty(); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

class ServerProcess {
 public:
  // Starts `echo-server --listen ADDRESS --engine ENGINE ARGS...` (ADDRESS:
  // kind.address, or `unix:DIR/echo.sock`) and waits (bounded) for it to
  // listen. Fails the current test (ADD_FAILURE) if it does not.
  ServerProcess(const ServerKind& kind, const std::vector<std::string>& args = {},
                const SpawnOptions& options = {});
  ServerProcess(const std::string& engine, const std::vector<std::string>& args = {},
                const SpawnOptions& options = {}, const std::string& address = "127.0.0.1:0")
      : ServerProcess(ServerKind{engine, ListenKind::tcp, address}, args, options) {}

  bool started() const { return started_; }
  ListenKind listen_kind() const { return listen_; }
  std::uint16_t port() const { return port_; }              // tcp only
  const net::Address& address() const { return address_; }  // tcp: where to connect
  const std::string& socket_path() const { return path_; }  // unix only
  Process& process() { return *process_; }

  // A client connected the way the server listens; invalid (errno-style code in
  // *error) on failure.
  net::UniqueFd connect(int* error = nullptr, std::chrono::milliseconds timeout = 5s) const;

  std::size_t resident_kib() const;  // VmRSS
  double cpu_seconds() const;        // utime + stime

 private:
  ListenKind listen_;
  std::unique_ptr<SocketDir> dir_;  // unix: holds the socket file
  std::string path_;
  std::unique_ptr<Process> process_;
  std::uint16_t port_ = 0;
  net::Address address_;
  bool started_ = false;
};

}  // namespace echo::test
