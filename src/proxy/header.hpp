// What a PROXY protocol header (HAProxy's doc/proxy-protocol.txt, versions 1
// and 2) says about a connection: the parser fills it, the encoder writes it.
// Every TLV is kept as received in `tlvs`; the fields below it are the ones this
// library understands, decoded once so that nobody re-parses bytes later.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/address.hpp"

namespace echo::proxy {

// A v1 line is at most 107 bytes with its CRLF ("PROXY UNKNOWN" followed by two
// full IPv6 addresses and ports); a v2 header is 16 bytes plus a 16-bit length.
inline constexpr std::size_t v1_max_line_bytes = 107;
inline constexpr std::size_t v2_fixed_bytes = 16;
inline constexpr std::size_t v2_max_header_bytes = v2_fixed_bytes + 65535;
// PP2_TYPE_UNIQUE_ID: "an opaque byte sequence of up to 128 bytes".
inline constexpr std::size_t max_unique_id_bytes = 128;
// Each AF_UNIX address in a v2 block is exactly this long.
inline constexpr std::size_t v2_unix_path_bytes = 108;

enum class Version : std::uint8_t { v1, v2 };
// v1 has no command: a v1 line is always `proxy`.
enum class Command : std::uint8_t { local, proxy };
// v1 "UNKNOWN" and v2 0x00 are both `unspec`.
enum class Family : std::uint8_t { unspec, tcp4, tcp6, udp4, udp6, unix_stream, unix_dgram };

// The registered TLV types and the vendor ones this library decodes.
namespace tlv_type {
inline constexpr std::uint8_t alpn = 0x01;
inline constexpr std::uint8_t authority = 0x02;
inline constexpr std::uint8_t crc32c = 0x03;
inline constexpr std::uint8_t noop = 0x04;
inline constexpr std::uint8_t unique_id = 0x05;
inline constexpr std::uint8_t ssl = 0x20;
inline constexpr std::uint8_t ssl_version = 0x21;
inline constexpr std::uint8_t ssl_cn = 0x22;
inline constexpr std::uint8_t ssl_cipher = 0x23;
inline constexpr std::uint8_t ssl_sig_alg = 0x24;
inline constexpr std::uint8_t ssl_key_alg = 0x25;
inline constexpr std::uint8_t netns = 0x30;
inline constexpr std::uint8_t gcp = 0xE0;    // PSC connection id, 8 bytes big-endian
inline constexpr std::uint8_t aws = 0xEA;    // subtype 0x01, then the VPC endpoint id
inline constexpr std::uint8_t azure = 0xEE;  // subtype 0x01, then a 4-byte LE link id
inline constexpr std::uint8_t aws_vpce_id_subtype = 0x01;
inline constexpr std::uint8_t azure_link_id_subtype = 0x01;
}  // namespace tlv_type

// PP2_CLIENT_* bits of the SSL TLV's first byte.
inline constexpr std::uint8_t ssl_client_ssl = 0x01;
inline constexpr std::uint8_t ssl_client_cert_conn = 0x02;
inline constexpr std::uint8_t ssl_client_cert_sess = 0x04;

struct Tlv {
  std::uint8_t type = 0;
  std::vector<std::uint8_t> value;
  bool operator==(const Tlv&) const = default;
};

struct SslInfo {
  std::uint8_t client = 0;   // ssl_client_* bits
  std::uint32_t verify = 0;  // 0: the client's certificate was verified
  std::optional<std::string> version, cn, cipher, sig_alg, key_alg;
  bool operator==(const SslInfo&) const = default;
};

struct Header {
  Version version = Version::v1;
  Command command = Command::proxy;
  Family family = Family::unspec;
  // tcp4/udp4 (sockaddr_in) and tcp6/udp6 (sockaddr_in6), ports included;
  // left empty for LOCAL, whose address block is ignored.
  net::Address source, destination;
  // unix_stream/unix_dgram: each 108-byte field up to its first NUL.
  std::string source_path, destination_path;

  std::vector<Tlv> tlvs;  // every TLV, in order, NOOP and unknown types included
  std::optional<std::string> alpn, authority, unique_id, netns;
  bool crc32c_present = false;
  bool crc32c_verified = false;  // a wrong checksum makes the header invalid
  std::optional<SslInfo> ssl;
  std::optional<std::string> aws_vpce_id;
  std::optional<std::uint32_t> azure_link_id;
  std::optional<std::uint64_t> gcp_psc_connection_id;

  // True when the claimed source is the client (PROXY over tcp4/tcp6); LOCAL,
  // UNSPEC/UNKNOWN and the other families keep the socket's own peer.
  [[nodiscard]] bool has_real_peer() const noexcept {
    return command == Command::proxy && (family == Family::tcp4 || family == Family::tcp6);
  }
  // One log field value naming the TLVs present ("alpn=h2,authority=a.example"),
  // every value escaped and truncated; empty when there are none (describe.cpp).
  [[nodiscard]] std::string describe_tlvs() const;
};

// Field by field; addresses compare by their bytes.
bool operator==(const Header& a, const Header& b);

}  // namespace echo::proxy
