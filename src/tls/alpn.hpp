// Application-Layer Protocol Negotiation (RFC 7301) for the server: the
// protocol list in its wire form, and the choice made from what a client
// offers. Sans-IO and OpenSSL-free so the rules can be tested on their own.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace echo::tls {

// The wire form: each name prefixed by its length byte. A name that is empty
// or longer than 255 bytes is refused (nullopt, *error names it).
std::optional<std::vector<unsigned char>> encode_alpn(const std::vector<std::string>& protocols,
                                                      std::string* error);

// The server's choice among `offered` (the client's list, wire form): the
// first of `ours` (wire form, our order of preference) that the client
// offered, or, when ours is empty, the client's first (an echo serves any
// protocol: accepting it lets a client that insists on ALPN connect, and the
// name is logged). nullopt: nothing in common, or a malformed offer; the
// handshake then fails with the no_application_protocol alert (RFC 7301 3.2).
// The span points into `offered`.
std::optional<std::span<const unsigned char>> choose_alpn(std::span<const unsigned char> ours,
                                                          std::span<const unsigned char> offered);

}  // namespace echo::tls
