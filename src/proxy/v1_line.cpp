// v1 as the spec words it: single spaces, IPv4 as four decimal numbers 0-255
// without leading zeros, IPv6 in the form inet_pton reads (what senders write
// with inet_ntop, "::" and a trailing dotted quad included), ports 0-65535
// without a sign or leading zeros, and both addresses of the announced family.
#include "proxy/v1_line.hpp"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <optional>

#include "proxy/inet_address.hpp"

namespace echo::proxy {
namespace {

constexpr std::string_view prefix = "PROXY ";
constexpr std::string_view unknown = "UNKNOWN";
constexpr std::size_t tcp_fields = 5;      // protocol, two addresses, two ports
constexpr std::size_t max_ipv6_text = 45;  // INET6_ADDRSTRLEN without its NUL
constexpr unsigned max_octet = 255;
constexpr unsigned max_port = 65535;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// A decimal number up to max_value: digits only, no leading zero.
std::optional<unsigned> parse_decimal(std::string_view text, unsigned max_value) {
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  for (const char c : text) {
    if (!is_digit(c)) return std::nullopt;
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > max_value) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::array<std::uint8_t, ipv4_bytes>> parse_ipv4(std::string_view text) {
  std::array<std::uint8_t, ipv4_bytes> octets{};
  for (std::size_t i = 0; i < octets.size(); ++i) {
    const std::size_t dot = text.find('.');
    const bool last = i + 1 == octets.size();
    if (last != (dot == std::string_view::npos)) return std::nullopt;
    const auto octet = parse_decimal(text.substr(0, dot), max_octet);
    if (!octet) return std::nullopt;
    octets[i] = static_cast<std::uint8_t>(*octet);
    text = last ? std::string_view{} : text.substr(dot + 1);
  }
  return octets;
}

std::optional<std::array<std::uint8_t, ipv6_bytes>> parse_ipv6(std::string_view text) {
  if (text.empty() || text.size() > max_ipv6_text) return std::nullopt;
  std::array<char, max_ipv6_text + 1> z{};
  text.copy(z.data(), text.size());
  std::array<std::uint8_t, ipv6_bytes> address{};
  if (::inet_pton(AF_INET6, z.data(), address.data()) != 1) return std::nullopt;
  return address;
}

// The port is set once both addresses are known to be good.
bool fill_address(bool ipv6, std::string_view host, net::Address& out) {
  if (ipv6) {
    const auto address = parse_ipv6(host);
    if (address) out = make_inet_address(*address, 0);
    return address.has_value();
  }
  const auto address = parse_ipv4(host);
  if (address) out = make_inet_address(*address, 0);
  return address.has_value();
}

}  // namespace

std::string_view parse_v1_line(std::string_view line, Header& header) {
  if (line.substr(0, prefix.size()) != prefix) return "bad signature";
  const std::string_view rest = line.substr(prefix.size());
  header.version = Version::v1;
  header.command = Command::proxy;
  // "the receiver must ignore anything presented before the CRLF is found"
  if (rest == unknown || rest.substr(0, unknown.size() + 1) == "UNKNOWN ") {
    header.family = Family::unspec;
    return {};
  }

  std::array<std::string_view, tcp_fields> fields;
  std::string_view left = rest;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const std::size_t space = left.find(' ');
    const bool last = i + 1 == fields.size();
    if (last != (space == std::string_view::npos)) return "bad v1 line";
    fields[i] = left.substr(0, space);
    if (fields[i].empty()) return "bad v1 line";
    left = last ? std::string_view{} : left.substr(space + 1);
  }

  bool ipv6 = false;
  if (fields[0] == "TCP4") {
    header.family = Family::tcp4;
  } else if (fields[0] == "TCP6") {
    header.family = Family::tcp6;
    ipv6 = true;
  } else {
    return "bad v1 protocol";
  }
  if (!fill_address(ipv6, fields[1], header.source) ||
      !fill_address(ipv6, fields[2], header.destination)) {
    return "bad v1 address";
  }
  const auto source_port = parse_decimal(fields[3], max_port);
  const auto destination_port = parse_decimal(fields[4], max_port);
  if (!source_port || !destination_port) return "bad v1 port";
  header.source.set_port(static_cast<std::uint16_t>(*source_port));
  header.destination.set_port(static_cast<std::uint16_t>(*destination_port));
  return {};
}

}  // namespace echo::proxy
