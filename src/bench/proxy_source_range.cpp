// --proxy-source ranges; see proxy_source_range.hpp. An address is kept as a
// 128-bit number in two 64-bit halves, so the n-th pair is one division and an
// addition with carry, for IPv4 and IPv6 alike.
#include "bench/proxy_source_range.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace echo::bench {

namespace {

constexpr std::size_t kIpv4Bytes = 4;
constexpr std::size_t kIpv6Bytes = 16;
constexpr std::size_t kHalfBytes = 8;

struct Number128 {
  std::uint64_t high = 0, low = 0;
};

std::uint64_t load_be64(const std::uint8_t* bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < kHalfBytes; ++i) value = (value << 8) | bytes[i];
  return value;
}

void store_be(std::uint64_t value, std::uint8_t* bytes, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i)
    bytes[count - 1 - i] = static_cast<std::uint8_t>(value >> (8 * i));
}

// "10.0.0.1" or, with brackets already removed, "fd00::1".
std::optional<Number128> parse_host(const std::string& host, int family) {
  std::uint8_t bytes[kIpv6Bytes] = {};
  if (::inet_pton(family, host.c_str(), bytes) != 1) return std::nullopt;
  if (family == AF_INET) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < kIpv4Bytes; ++i) value = (value << 8) | bytes[i];
    return Number128{0, value};
  }
  return Number128{load_be64(bytes), load_be64(bytes + kHalfBytes)};
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value > UINT16_MAX) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

bool less(const Number128& a, const Number128& b) {
  return a.high < b.high || (a.high == b.high && a.low < b.low);
}

std::string host_text(std::uint64_t high, std::uint64_t low, int family) {
  std::uint8_t bytes[kIpv6Bytes] = {};
  if (family == AF_INET) {
    store_be(low, bytes, kIpv4Bytes);
  } else {
    store_be(high, bytes, kHalfBytes);
    store_be(low, bytes + kHalfBytes, kHalfBytes);
  }
  char text[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(family, bytes, text, sizeof text);
  return family == AF_INET ? std::string(text) : "[" + std::string(text) + "]";
}

}  // namespace

std::optional<std::uint64_t> ProxySourceRange::pair_count() const noexcept {
  if (wrap_pairs_ == 0) return std::nullopt;
  return wrap_pairs_;
}

ProxySourceRange::Claim ProxySourceRange::claim(std::uint64_t n) const noexcept {
  if (wrap_pairs_ != 0) n %= wrap_pairs_;
  const std::uint64_t ports = std::uint64_t{last_port_} - first_port_ + 1;
  const std::uint64_t offset = n / ports;
  Claim claim;
  claim.port = static_cast<std::uint16_t>(first_port_ + n % ports);
  const std::uint64_t low = first_low_ + offset;
  const std::uint64_t high = first_high_ + (low < first_low_ ? 1 : 0);
  if (family_ == AF_INET) {
    store_be(low, claim.address.data(), kIpv4Bytes);
  } else {
    store_be(high, claim.address.data(), kHalfBytes);
    store_be(low, claim.address.data() + kHalfBytes, kHalfBytes);
  }
  return claim;
}

net::Address ProxySourceRange::address_of(std::uint64_t n) const noexcept {
  const Claim pair = claim(n);
  net::Address address;
  if (family_ == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&address.storage);
    in->sin_family = AF_INET;
    std::memcpy(&in->sin_addr, pair.address.data(), kIpv4Bytes);
    address.length = sizeof(sockaddr_in);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
    in6->sin6_family = AF_INET6;
    std::memcpy(&in6->sin6_addr, pair.address.data(), kIpv6Bytes);
    address.length = sizeof(sockaddr_in6);
  }
  address.set_port(pair.port);
  return address;
}

std::string ProxySourceRange::to_string() const {
  std::string text = host_text(first_high_, first_low_, family_);
  if (first_high_ != last_high_ || first_low_ != last_low_)
    text += "-" + host_text(last_high_, last_low_, family_);
  text += ":" + std::to_string(first_port_);
  if (first_port_ != last_port_) text += "-" + std::to_string(last_port_);
  return text;
}

std::optional<ProxySourceRange> parse_proxy_source_range(std::string_view text,
                                                         std::string* error) {
  const auto fail = [&](const char* why) -> std::optional<ProxySourceRange> {
    if (error) *error = "invalid --proxy-source '" + std::string(text) + "': " + why;
    return std::nullopt;
  };
  constexpr const char* kSyntax =
      "expected ADDR:PORT or a range like 10.0.0.1-10.0.255.255:1024-65535 or "
      "[fd00::1]-[fd00::ffff]:1024-65535";

  std::string first_text, last_text;
  std::string_view ports_text;
  int family = AF_INET;
  if (!text.empty() && text.front() == '[') {
    family = AF_INET6;
    std::string_view rest = text;
    const auto take_bracketed = [&rest](std::string* into) {
      const auto close = rest.find(']');
      if (rest.empty() || rest.front() != '[' || close == std::string_view::npos) return false;
      *into = std::string(rest.substr(1, close - 1));
      rest.remove_prefix(close + 1);
      return true;
    };
    if (!take_bracketed(&first_text)) return fail(kSyntax);
    last_text = first_text;
    if (!rest.empty() && rest.front() == '-') {
      rest.remove_prefix(1);
      if (rest.empty() || rest.front() != '[')
        return fail("both ends must be IPv6 in brackets (the families are mixed)");
      if (!take_bracketed(&last_text)) return fail(kSyntax);
    }
    if (rest.empty() || rest.front() != ':') return fail(kSyntax);
    ports_text = rest.substr(1);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail(kSyntax);
    const std::string_view hosts = text.substr(0, colon);
    ports_text = text.substr(colon + 1);
    const auto dash = hosts.find('-');
    first_text = std::string(hosts.substr(0, dash));
    last_text = dash == std::string_view::npos ? first_text : std::string(hosts.substr(dash + 1));
    if (last_text.find('[') != std::string::npos)
      return fail("both ends must be IPv4, or both IPv6 in brackets (the families are mixed)");
    if (first_text.find(':') != std::string::npos || last_text.find(':') != std::string::npos)
      return fail("an IPv6 address goes in brackets, as [fd00::1]:1024");
  }

  const auto first = parse_host(first_text, family);
  const auto last = parse_host(last_text, family);
  if (!first || !last)
    return fail(family == AF_INET ? "not an IPv4 address (IPv6 goes in brackets)"
                                  : "not an IPv6 address");
  if (less(*last, *first)) return fail("the address range ends before it starts");

  const auto dash = ports_text.find('-');
  const auto first_port = parse_port(ports_text.substr(0, dash));
  const auto last_port =
      dash == std::string_view::npos ? first_port : parse_port(ports_text.substr(dash + 1));
  if (!first_port || !last_port) return fail("a port must be a number from 0 to 65535");
  if (*last_port < *first_port) return fail("the port range ends before it starts");

  ProxySourceRange range;
  range.family_ = family;
  range.first_high_ = first->high;
  range.first_low_ = first->low;
  range.last_high_ = last->high;
  range.last_low_ = last->low;
  range.first_port_ = *first_port;
  range.last_port_ = *last_port;
  // Addresses (last - first + 1) times ports, unless that passes 2^64 - 1.
  const std::uint64_t span_low = last->low - first->low;
  const std::uint64_t span_high = last->high - first->high - (last->low < first->low ? 1 : 0);
  const std::uint64_t ports = std::uint64_t{*last_port} - *first_port + 1;
  std::uint64_t pairs = 0;
  if (span_high == 0 && span_low != UINT64_MAX &&
      !__builtin_mul_overflow(span_low + 1, ports, &pairs))
    range.wrap_pairs_ = pairs;
  return range;
}

}  // namespace echo::bench
