// Header::describe_tlvs, the TLV summary for a connection's log line. Every
// value comes from the network, so each is escaped (anything but printable
// ASCII, and the separators a reader splits on, becomes \xNN) and cut at
// max_value_chars, keeping the line bounded whatever the sender put in.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "proxy/header.hpp"

namespace echo::proxy {
namespace {

constexpr std::size_t max_value_chars = 64;
constexpr std::string_view truncated_mark = "...";
constexpr std::size_t escaped_width = 4;  // "\xNN"
constexpr std::uint8_t first_printable = 0x21;
constexpr std::uint8_t last_printable = 0x7E;
// The types summarised by name; any other TLV is counted in "other".
constexpr std::array<std::uint8_t, 10> known_types = {
    tlv_type::alpn, tlv_type::authority, tlv_type::crc32c, tlv_type::noop, tlv_type::unique_id,
    tlv_type::ssl,  tlv_type::netns,     tlv_type::gcp,    tlv_type::aws,  tlv_type::azure};

// '/' separates the parts of the ssl field, so only there is it escaped too.
bool is_plain(std::uint8_t byte, bool escape_slash) {
  if (byte < first_printable || byte > last_printable) return false;
  switch (byte) {
    case ',':
    case '=':
    case '"':
    case '\'':
    case '\\':
      return false;
    case '/':
      return !escape_slash;
    default:
      return true;
  }
}

void append_escaped(std::string& out, std::string_view value, bool escape_slash) {
  static constexpr std::string_view digits = "0123456789abcdef";
  std::size_t written = 0;
  for (const char c : value) {
    const auto byte = static_cast<std::uint8_t>(c);
    const bool plain = is_plain(byte, escape_slash);
    const std::size_t width = plain ? 1 : escaped_width;
    if (written + width > max_value_chars) {
      out += truncated_mark;
      return;
    }
    if (plain) {
      out += c;
    } else {
      out += "\\x";
      out += digits[byte >> 4];
      out += digits[byte & 0x0F];
    }
    written += width;
  }
}

class Fields {
 public:
  std::string& start(std::string_view key) {
    if (!text_.empty()) text_ += ',';
    text_.append(key).append("=");
    return text_;
  }
  void add(std::string_view key, const std::optional<std::string>& value) {
    if (value) append_escaped(start(key), *value, false);
  }
  template <typename Number>
  void add_number(std::string_view key, const std::optional<Number>& value) {
    if (value) start(key).append(std::to_string(*value));
  }
  std::string take() { return std::move(text_); }

 private:
  std::string text_;
};

void add_ssl(Fields& fields, const SslInfo& ssl) {
  std::string& out = fields.start("ssl");
  if (ssl.version) {
    append_escaped(out, *ssl.version, true);
  } else {
    out += (ssl.client & ssl_client_ssl) != 0 ? "yes" : "no";
  }
  const std::pair<std::string_view, const std::optional<std::string>*> parts[] = {
      {"/cn=", &ssl.cn},
      {"/cipher=", &ssl.cipher},
      {"/sig_alg=", &ssl.sig_alg},
      {"/key_alg=", &ssl.key_alg}};
  for (const auto& [key, value] : parts) {
    if (!*value) continue;
    out += key;
    append_escaped(out, **value, true);
  }
  if ((ssl.client & (ssl_client_cert_conn | ssl_client_cert_sess)) != 0) {
    out.append("/verify=").append(std::to_string(ssl.verify));
  }
}

bool is_known(std::uint8_t type) {
  for (const std::uint8_t known : known_types) {
    if (type == known) return true;
  }
  return false;
}

}  // namespace

std::string Header::describe_tlvs() const {
  Fields fields;
  fields.add("alpn", alpn);
  fields.add("authority", authority);
  fields.add("unique_id", unique_id);
  fields.add("netns", netns);
  if (ssl) add_ssl(fields, *ssl);
  fields.add("aws_vpce", aws_vpce_id);
  fields.add_number("azure_linkid", azure_link_id);
  fields.add_number("gcp_psc", gcp_psc_connection_id);
  if (crc32c_verified) fields.start("crc32c").append("ok");
  std::size_t others = 0;
  for (const Tlv& tlv : tlvs) others += is_known(tlv.type) ? 0 : 1;
  if (others > 0) fields.start("other").append(std::to_string(others));
  return fields.take();
}

}  // namespace echo::proxy
