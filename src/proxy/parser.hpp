// An incremental, sans-IO PROXY protocol parser (v1 and v2): the caller feeds
// whatever the socket gave it, as many times as needed, and learns how many of
// those bytes were the header. It never takes a byte past the header's end: what
// follows is the connection's data. Its tests: tests/unit/proxy_*_test.cpp.
//
// Garbage is rejected on its first wrong byte: every byte is checked against
// "PROXY " or the 12-byte v2 signature as it arrives, then the v1 protocol word
// and the characters its addresses may use, and the v2 version, command, family
// and length as soon as each is in. The outcome (status, header, error, bytes
// consumed in total) depends only on the bytes, never on how they were split.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/header.hpp"

namespace echo::proxy {

class Parser {
 public:
  enum class Status : std::uint8_t { need_more, done, invalid };
  struct Step {
    Status status;
    // Bytes of this call that belong to the header: all of them for need_more;
    // exactly the header's remaining bytes for done; for invalid, those up to
    // and including the byte that proved the header wrong.
    std::size_t consumed;
  };

  // A v2 header longer than max_v2_header_bytes (16 + its length field) is
  // invalid ("header longer than N bytes"); the default is the spec's maximum.
  explicit Parser(std::size_t max_v2_header_bytes = v2_max_header_bytes);

  // After done or invalid, further calls change nothing and consume nothing.
  Step feed(std::span<const std::uint8_t> bytes);

  [[nodiscard]] Status status() const noexcept;
  // The parsed header once done; an empty Header before.
  [[nodiscard]] const Header& header() const noexcept;
  // A short reason once invalid, empty before: "not a PROXY header", "bad
  // signature"; for v1 "bad v1 protocol", "bad character in v1 line", "v1 line
  // with a CR not followed by LF" (or "a LF not preceded by CR"), "v1 line
  // without CRLF within 107 bytes", "bad v1 line", "bad v1 address", "bad v1
  // port"; for v2 "bad v2 version", "bad v2 command", "unknown family 0x13",
  // "header longer than N bytes", "address block shorter than the family
  // needs", "bad TLV length", "bad CRC32C" and the other TLV reasons (tlv.hpp).
  [[nodiscard]] std::string_view error() const noexcept { return error_; }

 private:
  enum class State : std::uint8_t { start, v1, v2_fixed, v2_rest, done, invalid };
  enum class V1Protocol : std::uint8_t { pending, tcp4, tcp6, unknown };

  void take_first_byte(std::uint8_t byte);
  void take_v1_byte(std::uint8_t byte);
  void check_v1_protocol();
  void take_v2_fixed_byte(std::uint8_t byte);
  void start_v2_rest();
  std::size_t take_v2_rest(std::span<const std::uint8_t> bytes);
  void finish_v1();
  void finish_v2();
  void succeed(Header header);
  void fail(std::string reason);

  // Only the header's bytes so far, grown as they arrive (a v2 length is only
  // a claim until the bytes come); released once the outcome is known, so an
  // idle or finished parser holds no buffer.
  std::vector<std::uint8_t> buffer_;
  std::unique_ptr<Header> header_;  // allocated once done
  std::string error_;
  std::uint32_t max_v2_header_bytes_;
  std::uint32_t v2_total_bytes_ = 0;  // 16 + length, once the length is in
  std::uint32_t next_tlv_at_ = 0;     // where the next v2 TLV starts, to fail early
  State state_ = State::start;
  V1Protocol v1_protocol_ = V1Protocol::pending;
};

}  // namespace echo::proxy
