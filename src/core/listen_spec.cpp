#include "core/listen_spec.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "net/unix_socket.hpp"

namespace echo {

namespace {

// How a scheme names where to listen: "tcp://ADDR:PORT" or "unix:PATH".
enum class Form { address, path };

// A scheme is a base and optional "+modifier"s ("tls+proxy"). An entry with a
// not_yet reason is known but refused until its issue lands; its other fields
// are filled in then.
struct BaseScheme {
  std::string_view name;
  Form form;
  Transport transport;
  Security security;
  std::string_view not_yet;
};
constexpr std::array kBaseSchemes{
    BaseScheme{"tcp", Form::address, Transport::tcp, Security::plain, {}},
    BaseScheme{"unix", Form::path, Transport::unix_stream, Security::plain, {}},
    BaseScheme{"udp", Form::address, Transport::tcp, Security::plain,
               "UDP listeners are not available yet"},
    BaseScheme{"tls", Form::address, Transport::tcp, Security::plain,
               "TLS listeners are not available yet"},
};

struct Modifier {
  std::string_view name;
  Preamble preamble;
  std::string_view not_yet;
};
constexpr std::array kModifiers{
    Modifier{"proxy", Preamble::proxy, {}},
};

template <class Table>
auto find_named(const Table& table, std::string_view name) -> decltype(&table[0]) {
  const auto it = std::find_if(table.begin(), table.end(), [name](const auto& entry) {
    return std::equal(
        entry.name.begin(), entry.name.end(), name.begin(), name.end(),
        [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); });
  });
  return it == table.end() ? nullptr : &*it;
}

// RFC 3986 scheme characters, less '.' and '-' so that a host name is never one.
bool is_scheme_token(std::string_view text) {
  if (text.empty() || !std::isalpha(static_cast<unsigned char>(text.front()))) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+';
  });
}

bool is_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

class Parser {
 public:
  Parser(std::string_view text, std::string* error) : text_(text), error_(error) {}

  std::optional<ListenSpec> parse() {
    const auto colon = text_.find(':');
    if (colon == std::string_view::npos || !is_scheme_token(text_.substr(0, colon)))
      return parse_address(text_);
    const std::string_view name = text_.substr(0, colon);
    const bool slashes = text_.substr(colon + 1, 2) == "//";
    if (slashes) return parse_scheme(name, true);
    // Without "//", a word before ':' is a host if a port follows ("localhost:7878";
    // "example:80" is then refused as not numeric), else a scheme: "unix:/tmp/s",
    // and "unx:/tmp/s" names its mistake.
    if (name == "localhost") return parse_address(text_);
    if (!find_named(kBaseSchemes, base_of(name)) && is_digits(text_.substr(colon + 1)))
      return parse_address(text_);
    return parse_scheme(name, false);
  }

 private:
  static std::string_view base_of(std::string_view name) { return name.substr(0, name.find('+')); }

  std::optional<ListenSpec> fail(std::string_view why) {
    if (error_) *error_ = "'" + std::string(text_) + "': " + std::string(why);
    return std::nullopt;
  }

  std::optional<ListenSpec> parse_scheme(std::string_view name, bool slashes) {
    const std::string_view base_name = base_of(name);
    const BaseScheme* base = find_named(kBaseSchemes, base_name);
    if (!base) return fail("unknown scheme '" + std::string(name) + "'");
    Preamble preamble = Preamble::none;
    for (std::string_view rest = name.substr(base_name.size()); !rest.empty();) {
      rest.remove_prefix(1);  // the '+'
      const std::string_view modifier_name = rest.substr(0, rest.find('+'));
      rest.remove_prefix(modifier_name.size());
      const Modifier* modifier = find_named(kModifiers, modifier_name);
      if (!modifier) return fail("unknown scheme '" + std::string(name) + "'");
      if (!base->not_yet.empty()) return fail(base->not_yet);
      if (!modifier->not_yet.empty()) return fail(modifier->not_yet);
      preamble = modifier->preamble;
    }
    if (!base->not_yet.empty()) return fail(base->not_yet);

    std::optional<ListenSpec> spec;
    if (base->form == Form::address) {
      if (!slashes) return fail("expected " + std::string(name) + "://ADDR:PORT");
      spec = parse_address(text_.substr(name.size() + 3));
    } else {
      // "unix:///run/echo.sock" as in URLs (and Docker): the path follows the "//".
      spec = parse_path(text_.substr(name.size() + (slashes ? 3 : 1)));
    }
    if (spec) {
      spec->transport = base->transport;
      spec->security = base->security;
      spec->preamble = preamble;
    }
    return spec;
  }

  // ADDR:PORT as net::parse_address takes it, or ":PORT" for every address.
  std::optional<ListenSpec> parse_address(std::string_view rest) {
    ListenSpec spec;
    spec.written = std::string(text_.substr(0, text_.rfind(':') + 1));
    if (!rest.empty() && rest.front() == ':') {
      unsigned port = 0;
      const std::string_view port_text = rest.substr(1);
      const auto* end = port_text.data() + port_text.size();
      const auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
      if (port_text.empty() || ec != std::errc() || ptr != end || port > 65535)
        return fail("the port must be a number from 0 to 65535");
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&spec.address.storage);
      in6->sin6_family = AF_INET6;
      in6->sin6_addr = in6addr_any;
      spec.address.length = sizeof(sockaddr_in6);
      spec.address.set_port(static_cast<std::uint16_t>(port));
      spec.dual_stack = true;
      return spec;
    }
    std::string why;
    auto address = net::parse_address(rest, &why);
    if (!address) {
      // net::parse_address names the text it saw; this line names the whole value.
      const std::string prefix = "invalid address '" + std::string(rest) + "': ";
      if (why.rfind(prefix, 0) == 0) why.erase(0, prefix.size());
      return fail(why);
    }
    spec.address = *address;
    return spec;
  }

  std::optional<ListenSpec> parse_path(std::string_view path) {
    if (path.empty()) return fail("the socket path is empty");
    if (path.size() > net::kMaxUnixPathBytes)
      return fail("the socket path is longer than " + std::to_string(net::kMaxUnixPathBytes) +
                  " bytes");
    if (path.find('\0') != std::string_view::npos) return fail("the socket path holds a NUL byte");
    ListenSpec spec;
    spec.path = std::string(path);
    spec.written = std::string(text_);
    return spec;
  }

  std::string_view text_;
  std::string* error_;
};

}  // namespace

std::string ListenSpec::to_string() const {
  if (transport == Transport::unix_stream) return written;
  return written + std::to_string(address.port());
}

std::optional<ListenSpec> parse_listen_spec(std::string_view text, std::string* error) {
  return Parser(text, error).parse();
}

}  // namespace echo
