// Small in-process echo servers for echo-bench's tests: one thread, one poll()
// loop, listening on 127.0.0.1 port 0. Each injects one fault so the tests can
// check that echo-bench detects it and counts it under the right kind. With
// ProxyHeaders::expected, each connection must start with a PROXY header: the
// server parses it (src/proxy/parser.hpp), keeps it for the test to check, and
// echoes only what follows it; a connection without a valid one is closed.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/unique_fd.hpp"
#include "proxy/header.hpp"

namespace echo::bench::test {

using namespace std::chrono_literals;

enum class Fault {
  none,            // a correct echo server
  drop_byte,       // leaves out the byte at stream offset fault_offset of every connection
  flip_byte,       // inverts the byte at fault_offset
  reset,           // once fault_offset bytes arrived: close with SO_LINGER 0 (RST)
  stall,           // echoes the first fault_offset bytes, then reads but echoes nothing
  close_early,     // echoes the first fault_offset bytes, then sends FIN (keeps reading)
  hold_once,       // once fault_offset bytes arrived in all: neither reads nor writes for `hold`
  duplicate_byte,  // echoes the byte at fault_offset twice: one byte more than was sent
};

enum class ProxyHeaders { none, expected };

class FaultyServer {
 public:
  explicit FaultyServer(Fault fault, std::uint64_t fault_offset_bytes = 100,
                        std::chrono::milliseconds hold = 200ms);
  // Reads a PROXY header first on every connection, then echoes with the fault
  // (its offset counted from the first byte after the header).
  explicit FaultyServer(ProxyHeaders proxy_headers, Fault fault = Fault::none,
                        std::uint64_t fault_offset_bytes = 100);
  ~FaultyServer();
  FaultyServer(const FaultyServer&) = delete;
  FaultyServer& operator=(const FaultyServer&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

  // ProxyHeaders::expected: the headers parsed so far, in the order they
  // arrived; why the others were refused; the bytes that followed them.
  [[nodiscard]] std::vector<proxy::Header> proxy_headers() const;
  [[nodiscard]] std::vector<std::string> proxy_header_errors() const;
  [[nodiscard]] std::uint64_t bytes_after_headers() const;

 private:
  void serve();
  void start();

  Fault fault_;
  std::uint64_t fault_offset_bytes_;
  std::chrono::milliseconds hold_;
  bool expect_proxy_headers_ = false;
  mutable std::mutex seen_mutex_;
  std::vector<proxy::Header> proxy_headers_;
  std::vector<std::string> proxy_header_errors_;
  std::uint64_t bytes_after_headers_ = 0;
  net::UniqueFd listener_;
  net::UniqueFd wake_;  // eventfd: the destructor's stop signal
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace echo::bench::test
