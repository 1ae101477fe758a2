// The client's PROXY header; see proxy_header.hpp.
#include "client/proxy_header.hpp"

#include <cerrno>

#include "client/fd_io.hpp"
#include "proxy/encoder.hpp"

namespace echo::client {

std::optional<std::vector<std::uint8_t>> build_proxy_header(const ProxySettings& settings,
                                                            int socket_fd, std::string* error) {
  proxy::Header header;
  header.version = settings.request.version;
  header.command = proxy::Command::proxy;
  auto source = settings.source ? settings.source : net::local_address(socket_fd);
  auto destination =
      settings.request.destination ? settings.request.destination : net::peer_address(socket_fd);
  if (!source || !destination) {
    *error = "cannot read the socket's addresses for the PROXY header: " + error_text(-errno);
    return std::nullopt;
  }
  header.source = *source;
  header.destination = *destination;
  // The options checked that both are of one family (client_options.cpp).
  header.family = source->family() == AF_INET6 ? proxy::Family::tcp6 : proxy::Family::tcp4;
  if (header.version == proxy::Version::v1) return proxy::encode_v1(header);
  return proxy::encode_v2(header, {settings.request.tlvs, settings.request.crc32c});
}

Outcome send_proxy_header(const ProxySettings& settings, int socket_fd) {
  std::string error;
  const auto bytes = build_proxy_header(settings, socket_fd, &error);
  if (!bytes) return Outcome::io_failure(error);
  if (const int e = send_all(socket_fd, *bytes))
    return Outcome::io_failure("cannot send the PROXY header: " + error_text(e));
  return Outcome::success();
}

}  // namespace echo::client
