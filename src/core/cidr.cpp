#include "core/cidr.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>

namespace echo {

namespace {

constexpr std::array<std::uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
constexpr unsigned kMappedPrefixBits = 96;

bool is_v4_mapped(const std::uint8_t* bytes) {
  return std::memcmp(bytes, kMappedPrefix.data(), kMappedPrefix.size()) == 0;
}

IpAddress from_v4(const std::uint8_t* bytes) {
  IpAddress ip;
  ip.family = IpFamily::v4;
  std::memcpy(ip.bytes.data(), bytes, 4);
  return ip;
}

bool fail(std::string* error, std::string_view text, const std::string& why) {
  if (error) *error = "invalid CIDR '" + std::string(text) + "': " + why;
  return false;
}

}  // namespace

IpAddress IpAddress::masked(unsigned prefix_bits) const noexcept {
  IpAddress out;
  out.family = family;
  const unsigned total = bits();
  if (prefix_bits > total) prefix_bits = total;
  const unsigned whole = prefix_bits / 8;
  std::memcpy(out.bytes.data(), bytes.data(), whole);
  if (const unsigned rest = prefix_bits % 8; rest != 0) {
    out.bytes[whole] = static_cast<std::uint8_t>(bytes[whole] & (0xFF << (8 - rest)));
  }
  return out;
}

std::string IpAddress::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(family == IpFamily::v4 ? AF_INET : AF_INET6, bytes.data(), text, sizeof text);
  return text;
}

std::optional<IpAddress> ip_of(const net::PeerAddress& peer) noexcept {
  if (peer.family() == AF_INET) return from_v4(peer.bytes().data());
  if (peer.family() != AF_INET6) return std::nullopt;
  if (is_v4_mapped(peer.bytes().data())) return from_v4(peer.bytes().data() + 12);
  IpAddress ip;
  ip.family = IpFamily::v6;
  ip.bytes = peer.bytes();
  return ip;
}

std::string Cidr::to_string() const {
  return network.to_string() + "/" + std::to_string(prefix_bits);
}

std::optional<Cidr> parse_cidr(std::string_view text, std::string* error) {
  const auto slash = text.find('/');
  const std::string host(text.substr(0, slash));
  Cidr cidr;
  if (host.find(':') != std::string::npos) {
    cidr.network.family = IpFamily::v6;
    if (::inet_pton(AF_INET6, host.c_str(), cidr.network.bytes.data()) != 1) {
      fail(error, text, "'" + host + "' is not a numeric IPv6 address");
      return std::nullopt;
    }
  } else if (::inet_pton(AF_INET, host.c_str(), cidr.network.bytes.data()) != 1) {
    fail(error, text, "'" + host + "' is not a numeric IPv4 or IPv6 address");
    return std::nullopt;
  }

  const unsigned max_bits = cidr.network.bits();
  cidr.prefix_bits = max_bits;
  if (slash != std::string_view::npos) {
    const std::string_view bits = text.substr(slash + 1);
    const auto* end = bits.data() + bits.size();
    const auto [ptr, ec] = std::from_chars(bits.data(), end, cidr.prefix_bits);
    if (bits.empty() || ec != std::errc() || ptr != end || cidr.prefix_bits > max_bits) {
      fail(error, text, "the prefix length must be a number from 0 to " + std::to_string(max_bits));
      return std::nullopt;
    }
  }

  // ::ffff:a.b.c.d/N with N >= 96 is an IPv4 block, and matches IPv4 peers.
  if (cidr.network.family == IpFamily::v6 && cidr.prefix_bits >= kMappedPrefixBits &&
      is_v4_mapped(cidr.network.bytes.data())) {
    cidr.network = from_v4(cidr.network.bytes.data() + 12);
    cidr.prefix_bits -= kMappedPrefixBits;
  }

  const IpAddress network = cidr.network.masked(cidr.prefix_bits);
  if (!(network == cidr.network)) {
    fail(error, text,
         "host bits are set outside the /" + std::to_string(cidr.prefix_bits) +
             " prefix (the network is " + Cidr{network, cidr.prefix_bits}.to_string() + ")");
    return std::nullopt;
  }
  return cidr;
}

}  // namespace echo
