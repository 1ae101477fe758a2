// Per-connection PROXY headers; see proxy_header.hpp. The bytes are the
// encoder's (src/proxy/encoder.hpp), which the tests check field for field:
// the v2 template comes from encode_v2, and the v1 line follows encode_v1's
// format, "PROXY TCP4 SRC DST SPORT DPORT\r\n".
#include "bench/proxy_header.hpp"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cstring>

#include "proxy/crc32c.hpp"
#include "proxy/encoder.hpp"

namespace echo::bench {

namespace {

// The v2 address block follows the 16 fixed bytes: both addresses, then both ports.
constexpr std::size_t kV2AddressesAt = proxy::v2_fixed_bytes;
constexpr std::size_t kCrc32cValueBytes = 4;

std::size_t address_bytes(int family) {
  return family == AF_INET ? sizeof(in_addr) : sizeof(in6_addr);
}

const std::uint8_t* address_bytes_of(const net::Address& address) {
  if (address.family() == AF_INET) {
    return reinterpret_cast<const std::uint8_t*>(
        &reinterpret_cast<const sockaddr_in*>(&address.storage)->sin_addr);
  }
  return reinterpret_cast<const std::uint8_t*>(
      &reinterpret_cast<const sockaddr_in6*>(&address.storage)->sin6_addr);
}

std::string host_text(const net::Address& address) {
  char text[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(address.family(), address_bytes_of(address), text, sizeof text);
  return text;
}

void put_be(std::uint8_t* at, std::uint64_t value, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; ++i)
    at[bytes - 1 - i] = static_cast<std::uint8_t>(value >> (8 * i));
}

// An address of the family with every byte zero: the template's source.
net::Address zero_address(int family) {
  net::Address address;
  address.storage.ss_family = static_cast<sa_family_t>(family);
  address.length = family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
  return address;
}

}  // namespace

ProxyHeaderMaker::ProxyHeaderMaker(const ProxyOptions& options, const net::Address& target)
    : version_(options.request.version), sources_(options.sources) {
  const net::Address destination = options.request.destination.value_or(target);
  family_ = destination.family();
  if (version_ == proxy::Version::v2) {
    proxy::Header header;
    header.version = proxy::Version::v2;
    header.command = proxy::Command::proxy;
    header.family = family_ == AF_INET ? proxy::Family::tcp4 : proxy::Family::tcp6;
    header.source = zero_address(family_);
    header.destination = destination;
    v2_template_ = proxy::encode_v2(header, {options.request.tlvs, options.request.crc32c});
    if (options.request.crc32c) crc32c_at_ = v2_template_.size() - kCrc32cValueBytes;
    return;
  }
  v1_prefix_ = family_ == AF_INET ? "PROXY TCP4 " : "PROXY TCP6 ";
  v1_destination_ = " " + host_text(destination) + " ";
  v1_destination_port_ = " " + std::to_string(destination.port()) + "\r\n";
}

void ProxyHeaderMaker::write(std::uint64_t connection_number, const net::Address* local,
                             std::vector<std::uint8_t>& out) const {
  ProxySourceRange::Claim claim;
  if (sources_) {
    claim = sources_->claim(connection_number);
  } else if (local && local->family() == family_) {
    std::memcpy(claim.address.data(), address_bytes_of(*local), address_bytes(family_));
    claim.port = local->port();
  }
  if (version_ == proxy::Version::v2) {
    write_v2(claim.address.data(), claim.port, out);
  } else {
    write_v1(claim.address.data(), claim.port, out);
  }
}

void ProxyHeaderMaker::write_v1(const std::uint8_t* source_address, std::uint16_t source_port,
                                std::vector<std::uint8_t>& out) const {
  std::array<char, proxy::v1_max_line_bytes + 1> line{};
  char* at = line.data();
  char* const end = line.data() + line.size();
  const auto put = [&](const std::string& text) {
    std::memcpy(at, text.data(), text.size());
    at += text.size();
  };
  put(v1_prefix_);
  ::inet_ntop(family_, source_address, at, static_cast<socklen_t>(end - at));
  at += std::strlen(at);
  put(v1_destination_);
  at = std::to_chars(at, end, source_port).ptr;
  put(v1_destination_port_);
  // Room for the longest line once; assign() keeps it, so no slot allocates twice.
  out.reserve(proxy::v1_max_line_bytes);
  out.assign(line.data(), at);
}

void ProxyHeaderMaker::write_v2(const std::uint8_t* source_address, std::uint16_t source_port,
                                std::vector<std::uint8_t>& out) const {
  out.assign(v2_template_.begin(), v2_template_.end());
  const std::size_t address_size = address_bytes(family_);
  std::memcpy(out.data() + kV2AddressesAt, source_address, address_size);
  put_be(out.data() + kV2AddressesAt + 2 * address_size, source_port, sizeof source_port);
  if (crc32c_at_ != 0) {
    put_be(out.data() + crc32c_at_, proxy::compute_header_crc32c(out, crc32c_at_),
           kCrc32cValueBytes);
  }
}

}  // namespace echo::bench
