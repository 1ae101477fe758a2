// What one --listen names: a transport, its security and preamble, and where to
// bind. Parsed from "[tcp://]ADDR:PORT", ":PORT" (every IPv4 and IPv6 address,
// one dual-stack socket) or "unix:PATH"; printed back in the form it was given.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "net/address.hpp"

namespace echo {

// Each field grows a value when its scheme lands: udp, tls, proxy.
enum class Transport { tcp, unix_stream };
enum class Security { plain };
enum class Preamble { none, proxy };

struct ListenSpec {
  Transport transport = Transport::tcp;
  Security security = Security::plain;
  Preamble preamble = Preamble::none;
  // tcp: where to bind. ":PORT" is [::]:PORT with dual_stack set (IPV6_V6ONLY off).
  net::Address address;
  bool dual_stack = false;
  // unix_stream: the socket file.
  std::string path;
  // The text as given, without its port (tcp) or whole (unix): to_string() adds
  // the real port, so "tcp://127.0.0.1:0" prints as "tcp://127.0.0.1:45123".
  std::string written;

  [[nodiscard]] std::string to_string() const;
};

// Parses one --listen value. Returns nullopt and sets *error to one line, naming
// the value, on failure; a known scheme that is not available yet says so.
std::optional<ListenSpec> parse_listen_spec(std::string_view text, std::string* error = nullptr);

}  // namespace echo
