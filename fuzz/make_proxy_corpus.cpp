// Writes the seed corpus for proxy_parser_fuzz into the directory given as
// argv[1]: valid v1 and v2 headers of every family and TLV kind (built with the
// encoder, each followed by a little echo data), and invalid ones that stop at
// each of the parser's checks. ./dev fuzz runs it; by hand:
//   build/fuzz/fuzz/make-proxy-corpus /tmp/seeds
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/address.hpp"
#include "proxy/encoder.hpp"
#include "proxy/header.hpp"

namespace {

namespace proxy = echo::proxy;
using Bytes = std::vector<std::uint8_t>;

constexpr std::string_view echo_data = "hello, echo\n";

Bytes bytes_of(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

Bytes operator+(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// One TLV as it appears on the wire, for nesting inside the SSL TLV.
Bytes wire_tlv(std::uint8_t type, std::string_view value) {
  Bytes out{type, static_cast<std::uint8_t>(value.size() >> 8),
            static_cast<std::uint8_t>(value.size())};
  return out + bytes_of(value);
}

proxy::Header inet_header(proxy::Family family, const char* source, const char* destination) {
  proxy::Header header;
  header.family = family;
  header.source = echo::net::parse_address(source).value_or(echo::net::Address{});
  header.destination = echo::net::parse_address(destination).value_or(echo::net::Address{});
  return header;
}

proxy::Header unix_header(proxy::Family family) {
  proxy::Header header;
  header.family = family;
  header.source_path = "/run/client.sock";
  header.destination_path = std::string(proxy::v2_unix_path_bytes, 'd');  // no NUL
  return header;
}

std::vector<proxy::Tlv> every_tlv_kind() {
  const Bytes ssl = Bytes{proxy::ssl_client_ssl | proxy::ssl_client_cert_conn, 0, 0, 0, 0} +
                    wire_tlv(proxy::tlv_type::ssl_version, "TLSv1.3") +
                    wire_tlv(proxy::tlv_type::ssl_cn, "client.example") +
                    wire_tlv(proxy::tlv_type::ssl_cipher, "TLS_AES_128_GCM_SHA256") +
                    wire_tlv(proxy::tlv_type::ssl_sig_alg, "RSA-SHA256") +
                    wire_tlv(proxy::tlv_type::ssl_key_alg, "RSA2048");
  return {proxy::make_tlv(proxy::tlv_type::alpn, "h2"),
          proxy::make_tlv(proxy::tlv_type::authority, "example.com"),
          proxy::make_tlv(proxy::tlv_type::unique_id, "4ef4b3c1-9a1e-4c55"),
          proxy::make_tlv(proxy::tlv_type::netns, "blue"),
          proxy::make_tlv(proxy::tlv_type::noop, std::string_view("\0\0\0", 3)),
          proxy::Tlv{proxy::tlv_type::ssl, ssl},
          proxy::make_tlv(proxy::tlv_type::aws, "\x01vpce-08d2bf15fac5001c9"),
          proxy::Tlv{proxy::tlv_type::azure, {0x01, 0x78, 0x56, 0x34, 0x12}},
          proxy::Tlv{proxy::tlv_type::gcp, {0, 0, 0, 0, 0, 0, 0x30, 0x39}},
          proxy::make_tlv(0xF0, "experimental")};
}

std::vector<std::pair<std::string, Bytes>> make_seeds() {
  const Bytes data = bytes_of(echo_data);
  const auto tcp4 = inet_header(proxy::Family::tcp4, "192.168.0.1:56324", "192.168.0.11:443");
  const auto tcp6 = inet_header(proxy::Family::tcp6, "[2001:db8::1]:56324", "[::ffff:10.0.0.1]:7");
  const auto udp4 = inet_header(proxy::Family::udp4, "10.0.0.1:53", "10.0.0.2:5353");
  const auto udp6 = inet_header(proxy::Family::udp6, "[fe80::1]:1", "[::1]:65535");
  proxy::Header local;
  local.command = proxy::Command::local;
  proxy::Header with_tlvs = tcp4;
  with_tlvs.tlvs = every_tlv_kind();
  proxy::EncodeOptions crc;
  crc.add_crc32c = true;

  std::vector<std::pair<std::string, Bytes>> seeds = {
      {"v1-tcp4", proxy::encode_v1(tcp4) + data},
      {"v1-tcp6", proxy::encode_v1(tcp6) + data},
      {"v1-unknown", proxy::encode_v1(proxy::Header{}) + data},
      {"v1-unknown-longest", bytes_of("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
                                      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n") +
                                 data},
      {"v2-tcp4", proxy::encode_v2(tcp4) + data},
      {"v2-tcp6", proxy::encode_v2(tcp6) + data},
      {"v2-udp4", proxy::encode_v2(udp4) + data},
      {"v2-udp6", proxy::encode_v2(udp6) + data},
      {"v2-unix-stream", proxy::encode_v2(unix_header(proxy::Family::unix_stream)) + data},
      {"v2-unix-dgram", proxy::encode_v2(unix_header(proxy::Family::unix_dgram)) + data},
      {"v2-unspec", proxy::encode_v2(proxy::Header{}) + data},
      {"v2-local", proxy::encode_v2(local, crc) + data},
      {"v2-every-tlv", proxy::encode_v2(with_tlvs, crc) + data},
      {"v2-big-tlv", proxy::encode_v2(tcp4, {{proxy::Tlv{0xF1, Bytes(2000, 0x55)}}, true}) + data},
      {"bad-not-proxy", bytes_of("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")},
      {"bad-v1-protocol", bytes_of("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n")},
      {"bad-v1-port", bytes_of("PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n")},
      {"bad-v1-address", bytes_of("PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n")},
      {"bad-v1-bare-lf", bytes_of("PROXY UNKNOWN\n")},
      {"bad-v1-no-crlf", bytes_of("PROXY UNKNOWN " + std::string(100, 'x'))},
  };

  Bytes bad_crc = proxy::encode_v2(with_tlvs, crc);
  bad_crc[20] ^= 0x01;
  seeds.emplace_back("bad-v2-crc32c", bad_crc + data);
  Bytes bad_version = proxy::encode_v2(tcp4);
  bad_version[12] = 0x11;
  seeds.emplace_back("bad-v2-version", bad_version);
  Bytes bad_family = proxy::encode_v2(tcp4);
  bad_family[13] = 0x41;
  seeds.emplace_back("bad-v2-family", bad_family);
  Bytes bad_tlv = proxy::encode_v2(with_tlvs);
  bad_tlv[16 + 12 + 1] = 0xFF;  // the first TLV's length runs past the header
  seeds.emplace_back("bad-v2-tlv-length", bad_tlv + data);
  Bytes short_block = proxy::encode_v2(tcp6);
  short_block[15] = 20;
  seeds.emplace_back("bad-v2-short-block", short_block);
  Bytes truncated = proxy::encode_v2(tcp4);
  truncated.resize(20);
  seeds.emplace_back("v2-truncated", truncated);
  return seeds;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIRECTORY\n", argv[0]);
    return 2;
  }
  const std::filesystem::path directory = argv[1];
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    std::fprintf(stderr, "make-proxy-corpus: %s: %s\n", argv[1], error.message().c_str());
    return 1;
  }
  int written = 0;
  for (const auto& [name, bytes] : make_seeds()) {
    std::ofstream file(directory / name, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    if (!file) {
      std::fprintf(stderr, "make-proxy-corpus: cannot write %s\n", (directory / name).c_str());
      return 1;
    }
    ++written;
  }
  std::printf("make-proxy-corpus: %d seeds in %s\n", written, argv[1]);
  return 0;
}
