// The clients echo-bench's PROXY headers claim (--proxy-source): one ADDR:PORT
// or a range, 10.0.0.1-10.0.255.255:1024-65535 or [fd00::1]-[fd00::ffff]:1024-65535,
// both ends inclusive (a single address or port is a range of one). Connection
// number n claims the n-th (address, port) pair, ports counting fastest, and the
// range starts over after its last pair, so each connection claims a different
// client until the range runs out.
// Try it: echo-bench --proxy-header v2 --proxy-source 10.0.0.1-10.0.0.9:1000-1999 HOST:PORT
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "net/address.hpp"

namespace echo::bench {

class ProxySourceRange {
 public:
  struct Claim {
    std::array<std::uint8_t, 16> address{};  // network order: the first 4 bytes for IPv4
    std::uint16_t port = 0;
  };

  [[nodiscard]] int family() const noexcept { return family_; }
  // The pairs in the range; nullopt when there are more than 2^64 - 1 (an IPv6
  // range that wide never starts over within a run).
  [[nodiscard]] std::optional<std::uint64_t> pair_count() const noexcept;
  // Connection number n's pair: a few additions, no allocation.
  [[nodiscard]] Claim claim(std::uint64_t n) const noexcept;
  // The same as an address with its port, for tests and messages.
  [[nodiscard]] net::Address address_of(std::uint64_t n) const noexcept;
  // "10.0.0.1-10.0.255.255:1024-65535", one end only where both are equal.
  [[nodiscard]] std::string to_string() const;

  friend std::optional<ProxySourceRange> parse_proxy_source_range(std::string_view text,
                                                                  std::string* error);

 private:
  // The addresses as 128-bit numbers (IPv4 in the low 32 bits), high and low halves.
  std::uint64_t first_high_ = 0, first_low_ = 0;
  std::uint64_t last_high_ = 0, last_low_ = 0;
  std::uint16_t first_port_ = 0, last_port_ = 0;
  std::uint64_t wrap_pairs_ = 0;  // pairs before it starts over; 0: more than fit in 64 bits
  int family_ = AF_INET;
};

// Parses --proxy-source; nullopt and a one-line *error ("invalid --proxy-source
// '...': why") when the syntax is wrong, the families are mixed, or an end
// comes before its start.
std::optional<ProxySourceRange> parse_proxy_source_range(std::string_view text, std::string* error);

}  // namespace echo::bench
