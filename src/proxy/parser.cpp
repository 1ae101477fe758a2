// The parser's byte-by-byte checks for the first bytes and the v1 line, and the
// bulk copy of a v2 header's address block and TLVs.
#include "proxy/parser.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "proxy/v1_line.hpp"
#include "proxy/v2_format.hpp"
#include "proxy/v2_header.hpp"

namespace echo::proxy {
namespace {

constexpr std::string_view v1_prefix = "PROXY ";
constexpr std::size_t crlf_bytes = 2;
// The words that may follow "PROXY ", each with the byte that must come next
// ("UNKNOWN" may end the line at once).
constexpr std::array<std::string_view, 4> v1_protocols = {"TCP4 ", "TCP6 ", "UNKNOWN ",
                                                          "UNKNOWN\r"};
// A header that fits the smallest TCP segment every host accepts (the spec's
// 536 bytes) is reserved at once; a longer one grows as its bytes arrive.
constexpr std::size_t reserve_at_once_bytes = 536;

bool is_digit(std::uint8_t byte) {
  return byte >= '0' && byte <= '9';
}

bool is_hex_digit(std::uint8_t byte) {
  return is_digit(byte) || (byte >= 'a' && byte <= 'f') || (byte >= 'A' && byte <= 'F');
}

// What may follow "PROXY TCP4 " / "PROXY TCP6 " before the CRLF: addresses,
// ports and their separators. The line's grammar is checked once it is whole.
bool allowed_after_tcp4(std::uint8_t byte) {
  return is_digit(byte) || byte == '.' || byte == ' ' || byte == '\r';
}

bool allowed_after_tcp6(std::uint8_t byte) {
  return is_hex_digit(byte) || byte == ':' || byte == '.' || byte == ' ' || byte == '\r';
}

std::string describe_byte(std::uint8_t byte) {
  static constexpr std::string_view digits = "0123456789abcdef";
  std::string text = "0x";
  text += digits[byte >> 4];
  text += digits[byte & 0x0F];
  return text;
}

}  // namespace

Parser::Parser(std::size_t max_v2_header_bytes)
    : max_v2_header_bytes_(
          static_cast<std::uint32_t>(std::min(max_v2_header_bytes, v2_max_header_bytes))) {}

Parser::Status Parser::status() const noexcept {
  if (state_ == State::done) return Status::done;
  if (state_ == State::invalid) return Status::invalid;
  return Status::need_more;
}

const Header& Parser::header() const noexcept {
  static const Header none;
  return header_ ? *header_ : none;
}

Parser::Step Parser::feed(std::span<const std::uint8_t> bytes) {
  std::size_t used = 0;
  while (used < bytes.size() && status() == Status::need_more) {
    switch (state_) {
      case State::start:
        take_first_byte(bytes[used++]);
        break;
      case State::v1:
        take_v1_byte(bytes[used++]);
        break;
      case State::v2_fixed:
        take_v2_fixed_byte(bytes[used++]);
        break;
      case State::v2_rest:
        used += take_v2_rest(bytes.subspan(used));
        break;
      case State::done:
      case State::invalid:
        break;
    }
  }
  return {status(), used};
}

void Parser::take_first_byte(std::uint8_t byte) {
  if (byte == static_cast<std::uint8_t>(v1_prefix[0])) {
    state_ = State::v1;
    buffer_.reserve(v1_max_line_bytes);
  } else if (byte == v2::signature[0]) {
    state_ = State::v2_fixed;
    buffer_.reserve(v2_fixed_bytes);
  } else {
    fail("not a PROXY header");
    return;
  }
  buffer_.push_back(byte);
}

void Parser::take_v1_byte(std::uint8_t byte) {
  buffer_.push_back(byte);
  const std::size_t at = buffer_.size() - 1;
  if (at < v1_prefix.size()) {
    if (byte != static_cast<std::uint8_t>(v1_prefix[at])) fail("bad signature");
    return;
  }
  // Only a full CRLF ends the line; a lone CR or LF is never tolerated.
  if (buffer_[at - 1] == '\r') {
    if (byte == '\n') {
      finish_v1();
    } else {
      fail("v1 line with a CR not followed by LF");
    }
    return;
  }
  if (byte == '\n') {
    fail("v1 line with a LF not preceded by CR");
    return;
  }
  switch (v1_protocol_) {
    case V1Protocol::pending:
      check_v1_protocol();
      break;
    case V1Protocol::tcp4:
      if (!allowed_after_tcp4(byte)) fail("bad character in v1 line");
      break;
    case V1Protocol::tcp6:
      if (!allowed_after_tcp6(byte)) fail("bad character in v1 line");
      break;
    case V1Protocol::unknown:
      break;  // "the receiver must ignore anything" up to the CRLF
  }
  if (state_ == State::v1 && buffer_.size() >= v1_max_line_bytes) {
    fail("v1 line without CRLF within 107 bytes");
  }
}

// The word so far is everything after "PROXY ", the newest byte included.
void Parser::check_v1_protocol() {
  const std::string_view word(reinterpret_cast<const char*>(buffer_.data()) + v1_prefix.size(),
                              buffer_.size() - v1_prefix.size());
  bool possible = false;
  for (const std::string_view candidate : v1_protocols) {
    if (candidate.substr(0, word.size()) != word) continue;
    possible = true;
    if (word.size() != candidate.size()) continue;
    if (candidate[0] == 'U') {
      v1_protocol_ = V1Protocol::unknown;
    } else {
      v1_protocol_ = candidate[3] == '4' ? V1Protocol::tcp4 : V1Protocol::tcp6;
    }
  }
  if (!possible) fail("bad v1 protocol");
}

void Parser::take_v2_fixed_byte(std::uint8_t byte) {
  buffer_.push_back(byte);
  const std::size_t at = buffer_.size() - 1;
  if (at < v2::signature.size()) {
    if (byte != v2::signature[at]) fail("bad signature");
  } else if (at == v2::version_command_at) {
    if ((byte >> 4) != v2::version) {
      fail("bad v2 version");
    } else if ((byte & 0x0F) > v2::command_proxy) {
      fail("bad v2 command");
    }
  } else if (at == v2::family_at) {
    if (!v2::family_of(byte)) fail("unknown family " + describe_byte(byte));
  } else if (buffer_.size() == v2_fixed_bytes) {
    start_v2_rest();
  }
}

void Parser::start_v2_rest() {
  const std::size_t length = v2::read_u16(&buffer_[v2::length_at]);
  const std::size_t total = v2_fixed_bytes + length;
  if (total > max_v2_header_bytes_) {
    fail("header longer than " + std::to_string(max_v2_header_bytes_) + " bytes");
    return;
  }
  const std::size_t address_bytes = v2::address_bytes(*v2::family_of(buffer_[v2::family_at]));
  const bool local = (buffer_[v2::version_command_at] & 0x0F) == v2::command_local;
  if (!local && length < address_bytes) {
    fail("address block shorter than the family needs");
    return;
  }
  v2_total_bytes_ = static_cast<std::uint32_t>(total);
  // A LOCAL block too short for its family is skipped whole: no TLVs to walk.
  next_tlv_at_ =
      static_cast<std::uint32_t>(length < address_bytes ? total : v2_fixed_bytes + address_bytes);
  if (total <= reserve_at_once_bytes) buffer_.reserve(total);
  state_ = State::v2_rest;
  if (buffer_.size() == total) finish_v2();
}

std::size_t Parser::take_v2_rest(std::span<const std::uint8_t> bytes) {
  const std::size_t before = buffer_.size();
  const std::size_t taken = std::min(bytes.size(), v2_total_bytes_ - before);
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(taken));
  // Each TLV's length is checked against the header's end as soon as its
  // 3-byte head is in, so a TLV that cannot fit fails before the rest arrives.
  while (next_tlv_at_ + v2::tlv_header_bytes <= buffer_.size()) {
    const std::size_t end =
        next_tlv_at_ + v2::tlv_header_bytes + v2::read_u16(&buffer_[next_tlv_at_ + 1]);
    if (end > v2_total_bytes_) {
      const std::size_t used = next_tlv_at_ + v2::tlv_header_bytes - before;
      fail("bad TLV length");
      return used;
    }
    next_tlv_at_ = static_cast<std::uint32_t>(end);
  }
  if (buffer_.size() == v2_total_bytes_) finish_v2();
  return taken;
}

void Parser::finish_v1() {
  Header header;
  const std::string_view line(reinterpret_cast<const char*>(buffer_.data()),
                              buffer_.size() - crlf_bytes);
  if (const auto error = parse_v1_line(line, header); !error.empty()) {
    fail(std::string(error));
    return;
  }
  succeed(std::move(header));
}

void Parser::finish_v2() {
  Header header;
  if (const auto error = decode_v2_header(buffer_, header); !error.empty()) {
    fail(std::string(error));
    return;
  }
  succeed(std::move(header));
}

void Parser::succeed(Header header) {
  header_ = std::make_unique<Header>(std::move(header));
  state_ = State::done;
  buffer_ = {};
}

void Parser::fail(std::string reason) {
  error_ = std::move(reason);
  state_ = State::invalid;
  buffer_ = {};
}

}  // namespace echo::proxy
