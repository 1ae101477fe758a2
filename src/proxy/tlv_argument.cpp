// TYPE=HEX parsing with std::from_chars, which takes no sign for an unsigned
// type: no sign, no spaces, nothing after.
#include "proxy/tlv_argument.hpp"

#include <charconv>
#include <string>

namespace echo::proxy {
namespace {

constexpr unsigned max_type = 255;
constexpr int hex_base = 16;
constexpr int decimal_base = 10;

std::nullopt_t fail(std::string* error, std::string_view text, std::string_view why) {
  if (error) *error = "invalid TLV '" + std::string(text) + "': " + std::string(why);
  return std::nullopt;
}

std::optional<unsigned> parse_number(std::string_view text, int base) {
  unsigned value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

}  // namespace

std::optional<Tlv> parse_tlv_argument(std::string_view text, std::string* error) {
  const std::size_t equals = text.find('=');
  if (equals == std::string_view::npos) return fail(error, text, "expected TYPE=HEX");
  std::string_view type_text = text.substr(0, equals);
  const std::string_view hex = text.substr(equals + 1);

  int base = decimal_base;
  if (type_text.starts_with("0x") || type_text.starts_with("0X")) {
    type_text.remove_prefix(2);
    base = hex_base;
  }
  const auto type = parse_number(type_text, base);
  if (!type || *type > max_type) {
    return fail(error, text, "the type must be a number from 0 to 255 (decimal or 0x hex)");
  }
  if (hex.size() % 2 != 0)
    return fail(error, text, "the value must be an even number of hex digits");

  Tlv tlv{static_cast<std::uint8_t>(*type), {}};
  tlv.value.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const auto byte = parse_number(hex.substr(i, 2), hex_base);
    if (!byte) return fail(error, text, "the value must be hex digits only");
    tlv.value.push_back(static_cast<std::uint8_t>(*byte));
  }
  return tlv;
}

}  // namespace echo::proxy
