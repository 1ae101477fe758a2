// Helpers for the PROXY protocol tests: headers built byte by byte (so the
// parser is not only checked against the encoder), and feeding a parser whole
// or in pieces.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/crc32c.hpp"
#include "proxy/header.hpp"
#include "proxy/parser.hpp"

namespace echo::proxy::test {

using Bytes = std::vector<std::uint8_t>;

inline Bytes bytes(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

inline Bytes tlv(std::uint8_t type, const Bytes& value) {
  return cat({{type, static_cast<std::uint8_t>(value.size() >> 8),
               static_cast<std::uint8_t>(value.size())},
              value});
}

inline Bytes tlv(std::uint8_t type, std::string_view value) {
  return tlv(type, bytes(value));
}

inline const Bytes& signature() {
  static const Bytes sig = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
  return sig;
}

// Signature, version/command, family, length, then body (addresses and TLVs).
inline Bytes v2(std::uint8_t version_command, std::uint8_t family, const Bytes& body) {
  return cat({signature(),
              {version_command, family, static_cast<std::uint8_t>(body.size() >> 8),
               static_cast<std::uint8_t>(body.size())},
              body});
}

// 192.168.0.1:56324 -> 192.168.0.11:443, as a v2 IPv4 block.
inline Bytes ipv4_block() {
  return {192, 168, 0, 1, 192, 168, 0, 11, 0xDC, 0x04, 0x01, 0xBB};
}

// 2001:db8::1 port 1 -> ::1 port 2, as a v2 IPv6 block.
inline Bytes ipv6_block() {
  Bytes block = {0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  Bytes destination(16, 0);
  destination[15] = 1;
  return cat({block, destination, {0, 1, 0, 2}});
}

// Appends a CRC32C TLV and fills in its checksum (and the length field).
inline Bytes with_crc32c(Bytes header) {
  const Bytes crc = tlv(tlv_type::crc32c, Bytes(4, 0));
  header.insert(header.end(), crc.begin(), crc.end());
  const std::size_t length = header.size() - 16;
  header[14] = static_cast<std::uint8_t>(length >> 8);
  header[15] = static_cast<std::uint8_t>(length);
  const std::size_t at = header.size() - 4;
  const std::uint32_t value = compute_header_crc32c(header, at);
  for (std::size_t i = 0; i < 4; ++i)
    header[at + i] = static_cast<std::uint8_t>(value >> (24 - 8 * i));
  return header;
}

struct Outcome {
  Parser::Status status = Parser::Status::need_more;
  std::size_t consumed = 0;
  std::string error;
  Header header;
};

// Feeds `input` as pieces of the given sizes (the last one repeated), stopping
// once the parser has decided; an empty list feeds it whole.
inline Outcome parse_pieces(const Bytes& input, std::vector<std::size_t> pieces = {},
                            std::size_t limit = v2_max_header_bytes) {
  Parser parser(limit);
  Outcome outcome;
  std::size_t at = 0;
  std::size_t index = 0;
  do {
    std::size_t size = input.size() - at;
    if (!pieces.empty()) size = std::min(size, pieces[std::min(index++, pieces.size() - 1)]);
    const auto step = parser.feed(std::span(input).subspan(at, size));
    outcome.consumed += step.consumed;
    at += size;
  } while (parser.status() == Parser::Status::need_more && at < input.size());
  outcome.status = parser.status();
  outcome.error = std::string(parser.error());
  outcome.header = parser.header();
  return outcome;
}

inline Outcome parse(const Bytes& input, std::size_t limit = v2_max_header_bytes) {
  return parse_pieces(input, {}, limit);
}

inline std::string error_of(const Bytes& input, std::size_t limit = v2_max_header_bytes) {
  const Outcome outcome = parse(input, limit);
  EXPECT_EQ(outcome.status, Parser::Status::invalid);
  return outcome.error;
}

}  // namespace echo::proxy::test
