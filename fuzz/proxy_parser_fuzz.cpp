// libFuzzer harness for proxy::Parser (src/proxy/parser.hpp). Each input is fed
// whole, then in two pieces split where the input's last bytes say, then (when
// short) one byte at a time: the outcome must not depend on the split. A
// header that parses is encoded again (v2, and v1 when it came as v1) and must
// parse back to the same header. Any mismatch aborts, which libFuzzer reports
// as a crash. Build and run: ./dev fuzz [SECONDS].
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "proxy/encoder.hpp"
#include "proxy/parser.hpp"
#include "proxy/v2_format.hpp"

namespace {

using echo::proxy::Header;
using echo::proxy::Parser;
using Bytes = std::span<const std::uint8_t>;

// A small limit as well as the spec's, so "header longer than" is explored.
constexpr std::size_t small_v2_limit_bytes = 16 + 64;
constexpr std::size_t max_bytewise_input = 512;

struct Outcome {
  Parser::Status status = Parser::Status::need_more;
  std::size_t consumed = 0;
  std::string error;
  Header header;
};

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "proxy_parser_fuzz: %s\n", what);
  std::abort();
}

// Feeds `input` in pieces of piece_bytes (all of it at once for 0), the first
// piece first_bytes long, stopping as soon as the parser has decided.
Outcome parse(Bytes input, std::size_t limit, std::size_t first_bytes, std::size_t piece_bytes) {
  Parser parser(limit);
  Outcome outcome;
  std::size_t at = 0;
  std::size_t next = first_bytes;
  while (parser.status() == Parser::Status::need_more) {
    const std::size_t size = std::min(next, input.size() - at);
    const auto step = parser.feed(input.subspan(at, size));
    outcome.consumed += step.consumed;
    require(step.consumed <= size, "consumed more than given");
    require(step.status != Parser::Status::need_more || step.consumed == size,
            "need_more did not consume every byte");
    at += size;
    if (at == input.size()) break;
    next = piece_bytes == 0 ? input.size() : piece_bytes;
  }
  if (parser.status() != Parser::Status::need_more) {
    require(parser.feed(input.subspan(outcome.consumed)).consumed == 0,
            "a decided parser consumed more bytes");
  }
  outcome.status = parser.status();
  outcome.error = std::string(parser.error());
  outcome.header = parser.header();
  return outcome;
}

void require_same(const Outcome& a, const Outcome& b, const char* what) {
  require(a.status == b.status, what);
  require(a.consumed == b.consumed, what);
  require(a.error == b.error, what);
  require(a.header == b.header, what);
}

// The header as encode_v2 can carry it: LOCAL is sent as UNSPEC without
// addresses, v1 becomes v2, and the checksum is a fresh one.
Header without_crc32c(Header header) {
  std::erase_if(header.tlvs,
                [](const auto& tlv) { return tlv.type == echo::proxy::tlv_type::crc32c; });
  header.crc32c_present = header.crc32c_verified = false;
  return header;
}

void check_round_trip(const Header& header) {
  echo::proxy::EncodeOptions options;
  options.add_crc32c = header.crc32c_present;
  const auto encoded = echo::proxy::encode_v2(header, options);
  require(!encoded.empty(), "a parsed header did not encode");
  const Outcome again = parse(encoded, echo::proxy::v2_max_header_bytes, encoded.size(), 0);
  require(again.status == Parser::Status::done, "a re-encoded v2 header did not parse");
  require(again.consumed == encoded.size(), "a re-encoded v2 header parsed short");
  require(again.header.crc32c_verified == header.crc32c_present, "the re-encoded CRC32C");
  Header expected = without_crc32c(header);
  expected.version = echo::proxy::Version::v2;
  if (expected.command == echo::proxy::Command::local)
    expected.family = echo::proxy::Family::unspec;
  require(without_crc32c(again.header) == expected, "a re-encoded v2 header changed");

  if (header.version != echo::proxy::Version::v1) return;
  const auto line = echo::proxy::encode_v1(header);
  const Outcome v1 = parse(line, echo::proxy::v2_max_header_bytes, line.size(), 0);
  require(v1.status == Parser::Status::done && v1.header == header, "a re-encoded v1 line changed");
}

// A v2 header ends 16 + its length field in, a v1 line at its CRLF.
void require_header_end(Bytes input, const Outcome& outcome) {
  if (outcome.header.version == echo::proxy::Version::v2) {
    const std::size_t length = echo::proxy::v2::read_u16(&input[echo::proxy::v2::length_at]);
    require(outcome.consumed == echo::proxy::v2_fixed_bytes + length, "v2 consumed != 16 + length");
  } else {
    require(outcome.consumed >= 2 && input[outcome.consumed - 2] == '\r' &&
                input[outcome.consumed - 1] == '\n',
            "v1 consumed does not end at a CRLF");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Bytes input(data, size);
  const std::size_t selector = size < 2 ? 0 : (std::size_t{data[size - 1]} << 8) | data[size - 2];
  const std::size_t split = size == 0 ? 0 : selector % (size + 1);

  for (const std::size_t limit : {echo::proxy::v2_max_header_bytes, small_v2_limit_bytes}) {
    const Outcome whole = parse(input, limit, size, 0);
    require_same(whole, parse(input, limit, split, 0), "a split changed the outcome");
    if (size <= max_bytewise_input) {
      require_same(whole, parse(input, limit, 1, 1), "byte-at-a-time changed the outcome");
    }
    if (whole.status == Parser::Status::done) {
      require_header_end(input, whole);
      check_round_trip(whole.header);
    }
  }
  return 0;
}
