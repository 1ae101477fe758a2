// The PROXY protocol header (HAProxy's doc/proxy-protocol.txt) that echo-client
// and echo-bench can send first on each connection: the flags they share
// (--proxy-header, --proxy-destination, --proxy-tlv, --proxy-crc32c) and the
// checks on them. --proxy-source differs (one address for the client, a range
// for the bench), so each program adds and parses its own; this file checks
// only that it came with --proxy-header.
// Try it: echo-client --proxy-header v2 --proxy-tlv 0xE0=0102 --help
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "net/address.hpp"
#include "proxy/header.hpp"

namespace echo::cli {

// The flags' text as given, filled by CLI11.
struct ProxyFlags {
  std::string version;  // "" (no header), "v1" or "v2"
  std::string source;   // parsed by the program
  std::string destination;
  std::vector<std::string> tlvs;  // "TYPE=HEX", in order
  bool crc32c = false;
};

// What the flags ask for, checked.
struct ProxyRequest {
  proxy::Version version = proxy::Version::v1;
  std::optional<net::Address> destination;  // nullopt: the address connected to
  std::vector<proxy::Tlv> tlvs;             // v2 only
  bool crc32c = false;                      // v2 only: a CRC32C TLV last
};

struct ProxyFlagsCheck {
  std::optional<ProxyRequest> request;  // nullopt: no --proxy-header (or an error)
  std::string error;                    // one line when the flags are wrong
};

// Adds the five flags; --proxy-source gets the program's own help and type name.
void add_proxy_flags(CLI::App& app, ProxyFlags& flags, const std::string& source_help,
                     const std::string& source_type);

// Checks the flags once parsed: the version, the destination address, each TLV,
// and that nothing but --proxy-header comes alone (no --proxy-source without it,
// no TLV or CRC32C with v1, TLVs that fit a v2 header).
ProxyFlagsCheck check_proxy_flags(const ProxyFlags& flags);

// "" when a header's source and destination families match, else the one-line
// reason, naming where each came from ("--proxy-source", "the server's address").
std::string check_proxy_families(int source_family, const std::string& source_origin,
                                 int destination_family, const std::string& destination_origin);

}  // namespace echo::cli
