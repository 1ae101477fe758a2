// The PROXY header echo-bench sends first on every connection (--proxy-header),
// made cheaply enough for --reconnect at tens of thousands of connections a
// second: a v2 header is encoded once and each connection's copy gets its
// source address and port (and its CRC32C) patched in; a v1 line is formatted
// straight into the connection's buffer. Either way the buffer is the
// connection slot's own, reused at every reconnect, so nothing is allocated
// per connection once each slot has sent its first header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/options.hpp"
#include "net/address.hpp"

namespace echo::bench {

class ProxyHeaderMaker {
 public:
  // The destination is the target unless --proxy-destination says otherwise.
  ProxyHeaderMaker(const ProxyOptions& options, const net::Address& target);

  // True when the source comes from the socket (no --proxy-source range).
  [[nodiscard]] bool needs_local_address() const noexcept { return !sources_; }

  // Writes connection number n's header into `out`. `local`, the socket's own
  // address, is the source when there is no range (and may be null otherwise).
  void write(std::uint64_t connection_number, const net::Address* local,
             std::vector<std::uint8_t>& out) const;

 private:
  void write_v1(const std::uint8_t* source_address, std::uint16_t source_port,
                std::vector<std::uint8_t>& out) const;
  void write_v2(const std::uint8_t* source_address, std::uint16_t source_port,
                std::vector<std::uint8_t>& out) const;

  proxy::Version version_;
  int family_;  // AF_INET or AF_INET6, of both addresses
  std::optional<ProxySourceRange> sources_;
  std::vector<std::uint8_t> v2_template_;  // with the destination in and the source zeroed
  std::size_t crc32c_at_ = 0;              // offset of the CRC32C value; 0: none
  std::string v1_prefix_;                  // "PROXY TCP4 "
  std::string v1_destination_;             // " 10.0.0.2 "
  std::string v1_destination_port_;        // " 7878\r\n"
};

}  // namespace echo::bench
