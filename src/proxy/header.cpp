// Header equality, for tests and the fuzzer's round trips.
#include "proxy/header.hpp"

#include <cstring>

namespace echo::proxy {
namespace {

bool same_address(const net::Address& a, const net::Address& b) {
  return a.length == b.length && std::memcmp(&a.storage, &b.storage, a.length) == 0;
}

}  // namespace

bool operator==(const Header& a, const Header& b) {
  return a.version == b.version && a.command == b.command && a.family == b.family &&
         same_address(a.source, b.source) && same_address(a.destination, b.destination) &&
         a.source_path == b.source_path && a.destination_path == b.destination_path &&
         a.tlvs == b.tlvs && a.alpn == b.alpn && a.authority == b.authority &&
         a.unique_id == b.unique_id && a.netns == b.netns && a.crc32c_present == b.crc32c_present &&
         a.crc32c_verified == b.crc32c_verified && a.ssl == b.ssl &&
         a.aws_vpce_id == b.aws_vpce_id && a.azure_link_id == b.azure_link_id &&
         a.gcp_psc_connection_id == b.gcp_psc_connection_id;
}

}  // namespace echo::proxy
