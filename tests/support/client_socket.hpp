// Blocking-style client helpers for tests, every wait bounded by a deadline
// (poll), never by a sleep.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/unique_fd.hpp"

namespace echo::test {

using namespace std::chrono_literals;

// Connects to 127.0.0.1:port; returns an invalid fd (and errno-style code in *error) on failure.
net::UniqueFd connect_loopback(std::uint16_t port, int* error = nullptr,
                               std::chrono::milliseconds timeout = 5s);

// Connects to the Unix socket at path, with the same conventions.
net::UniqueFd connect_unix(const std::string& path, int* error = nullptr,
                           std::chrono::milliseconds timeout = 5s);

// Whether this machine has an IPv6 loopback ([::1] can be bound).
bool ipv6_loopback_available();

// How the server names this client in its log lines: "127.0.0.1:PORT", "[::1]:PORT"
// or "unix".
std::string peer_name(int fd);

bool send_all(int fd, std::string_view data, std::chrono::milliseconds timeout = 10s);

// Reads exactly n bytes; returns fewer if EOF, an error or the timeout came first.
std::string recv_exact(int fd, std::size_t n, std::chrono::milliseconds timeout = 10s);

enum class StreamEnd { eof, reset, timeout, error };
struct RecvAll {
  std::string data;
  StreamEnd end = StreamEnd::timeout;
  int error = 0;
};
const char* to_string(StreamEnd end);

// Reads until EOF, an error or the timeout.
RecvAll recv_until_end(int fd, std::chrono::milliseconds timeout = 10s);

// True if fd becomes readable (data, EOF or error) within the timeout.
bool wait_readable(int fd, std::chrono::milliseconds timeout);

// Deterministic pseudo-random bytes (splitmix64), so failures reproduce.
std::string random_bytes(std::size_t n, std::uint64_t seed);

}  // namespace echo::test
