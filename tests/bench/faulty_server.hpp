// Small in-process echo servers for echo-bench's tests: one thread, one poll()
// loop, listening on 127.0.0.1 port 0. Each injects one fault so the tests can
// check that echo-bench detects it and counts it under the right kind.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#include "net/unique_fd.hpp"

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

class FaultyServer {
 public:
  explicit FaultyServer(Fault fault, std::uint64_t fault_offset_bytes = 100,
                        std::chrono::milliseconds hold = 200ms);
  ~FaultyServer();
  FaultyServer(const FaultyServer&) = delete;
  FaultyServer& operator=(const FaultyServer&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

 private:
  void serve();

  Fault fault_;
  std::uint64_t fault_offset_bytes_;
  std::chrono::milliseconds hold_;
  net::UniqueFd listener_;
  net::UniqueFd wake_;  // eventfd: the destructor's stop signal
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace echo::bench::test
