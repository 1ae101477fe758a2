// The shared PROXY header flags; see proxy_flags.hpp. The checks run after
// CLI11's parse, not as validators, so each failure can say what to do instead.
#include "cli/proxy_flags.hpp"

#include "proxy/tlv_argument.hpp"

namespace echo::cli {

namespace {

// A v2 header's 16-bit length covers the address block, the TLVs and the
// CRC32C TLV; the IPv6 block is the largest one the programs send.
constexpr std::size_t kMaxV2LengthBytes = 65535;
constexpr std::size_t kIpv6AddressBlockBytes = 36;
constexpr std::size_t kTlvHeaderBytes = 3;
constexpr std::size_t kCrc32cTlvBytes = kTlvHeaderBytes + 4;

const char* family_name(int family) {
  return family == AF_INET ? "IPv4" : family == AF_INET6 ? "IPv6" : "not IP";
}

}  // namespace

void add_proxy_flags(CLI::App& app, ProxyFlags& flags, const std::string& source_help,
                     const std::string& source_type) {
  app.add_option("--proxy-header", flags.version,
                 "Send a PROXY protocol header of this version first on each connection")
      ->type_name("v1|v2");
  app.add_option("--proxy-source", flags.source, source_help)->type_name(source_type);
  app.add_option("--proxy-destination", flags.destination,
                 "Destination the PROXY header claims (default: the address connected to)")
      ->type_name("ADDR:PORT");
  // One value per flag, so a TLV never swallows the positional address after it.
  app.add_option("--proxy-tlv", flags.tlvs,
                 "v2: add this TLV (repeatable); TYPE decimal or 0x hex, value as hex bytes")
      ->allow_extra_args(false)
      ->type_name("TYPE=HEX");
  app.add_flag("--proxy-crc32c", flags.crc32c, "v2: end the header with a CRC32C TLV");
}

ProxyFlagsCheck check_proxy_flags(const ProxyFlags& flags) {
  const auto fail = [](std::string why) { return ProxyFlagsCheck{std::nullopt, std::move(why)}; };
  if (flags.version.empty()) {
    if (!flags.source.empty()) return fail("--proxy-source needs --proxy-header v1|v2");
    if (!flags.destination.empty()) return fail("--proxy-destination needs --proxy-header v1|v2");
    if (!flags.tlvs.empty()) return fail("--proxy-tlv needs --proxy-header v2");
    if (flags.crc32c) return fail("--proxy-crc32c needs --proxy-header v2");
    return {};
  }
  ProxyRequest request;
  if (flags.version == "v1") {
    request.version = proxy::Version::v1;
  } else if (flags.version == "v2") {
    request.version = proxy::Version::v2;
  } else {
    return fail("--proxy-header: '" + flags.version + "' is not a version: use v1 or v2");
  }
  if (request.version == proxy::Version::v1 && !flags.tlvs.empty())
    return fail("--proxy-tlv needs --proxy-header v2 (a v1 header has no TLVs)");
  if (request.version == proxy::Version::v1 && flags.crc32c)
    return fail("--proxy-crc32c needs --proxy-header v2 (a v1 header has no TLVs)");

  if (!flags.destination.empty()) {
    std::string error;
    request.destination = net::parse_address(flags.destination, &error);
    if (!request.destination) return fail("--proxy-destination: " + error);
  }
  std::size_t v2_length = kIpv6AddressBlockBytes + (flags.crc32c ? kCrc32cTlvBytes : 0);
  for (const std::string& text : flags.tlvs) {
    std::string error;
    auto tlv = proxy::parse_tlv_argument(text, &error);
    if (!tlv) return fail("--proxy-tlv: " + error);
    v2_length += kTlvHeaderBytes + tlv->value.size();
    request.tlvs.push_back(std::move(*tlv));
  }
  if (v2_length > kMaxV2LengthBytes)
    return fail("--proxy-tlv: the TLVs do not fit in a v2 header (at most 65535 bytes in all)");
  request.crc32c = flags.crc32c;
  return {std::move(request), {}};
}

std::string check_proxy_families(int source_family, const std::string& source_origin,
                                 int destination_family, const std::string& destination_origin) {
  if (source_family == destination_family) return {};
  return std::string("the PROXY header's source and destination must be the same family, but ") +
         source_origin + " is " + family_name(source_family) + " and " + destination_origin +
         " is " + family_name(destination_family);
}

}  // namespace echo::cli
