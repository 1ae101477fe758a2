// The preamble stage of a connection on a PROXY listener (`--listen
// tcp+proxy://...`, `unix+proxy:...`): its first bytes must be a PROXY protocol
// header (HAProxy's doc/proxy-protocol.txt, v1 or v2; proxy/parser.hpp reads
// it), which is consumed, never echoed. Once it is complete the connection's
// peer is the client the header names (LOCAL and UNKNOWN keep the socket's), the
// admission step runs for that address, and the open line is written; bytes
// that came after the header in the same read are the first to echo.
//
// Sans-IO, like EchoStream: every engine reads into the stream's receive buffer
// as it would for echo, and hands the bytes here. The state exists only for
// connections on proxy listeners (a side table of the loop, or a local of the
// session), so a plain idle connection stays as small as before.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/connection_record.hpp"
#include "core/refusal_log.hpp"
#include "core/server_context.hpp"
#include "net/address.hpp"
#include "net/peer.hpp"

namespace echo {

namespace proxy {
class Parser;
}

class ProxyPreamble {
 public:
  // sender: the socket's peer, i.e. the proxy (or whoever claims to be one).
  explicit ProxyPreamble(const net::PeerAddress& sender);
  ~ProxyPreamble();
  ProxyPreamble(ProxyPreamble&&) noexcept;
  ProxyPreamble& operator=(ProxyPreamble&&) noexcept;

  const net::PeerAddress& sender() const noexcept { return sender_; }
  // The header has been read and admitted: the connection is echoing.
  bool complete() const noexcept { return complete_; }

  enum class Status : std::uint8_t {
    need_more,  // everything given was header; read again
    done,       // complete and admitted; `leftover` bytes to echo at the buffer's start
    refused,    // malformed, or admission refused the claimed peer: close it (end_preamble)
  };
  struct Step {
    Status status = Status::need_more;
    std::size_t leftover = 0;
  };

  // bytes: what one read just put at the start of the connection's receive
  // buffer. Feeds them to the header; when it completes, runs admission for the
  // claimed peer and opens record (the open line), then moves the bytes that
  // followed the header to the buffer's start.
  Step take(ServerContext& context, ConnectionRecord& record, std::span<std::byte> bytes);

  // Why an unfinished connection ended, for end_preamble: a refused step sets
  // it (Refusal::none: admission has logged it already).
  Refusal refusal() const noexcept { return refusal_; }
  const std::string& detail() const noexcept { return detail_; }

 private:
  std::unique_ptr<proxy::Parser> parser_;  // until the header is complete
  std::string detail_;                     // what was wrong, when refused
  net::PeerAddress sender_;
  Refusal refusal_ = Refusal::none;
  bool complete_ = false;
};

// A connection on a PROXY listener ended before its header was complete or
// admitted: counted and logged as one throttled `refused` line (reason, and
// what was wrong), and its --max-connections slot goes back. It never opened,
// so there is no close line. reason none: already logged (admission).
void end_preamble(ServerContext& context, const ProxyPreamble& preamble, Refusal reason,
                  std::string_view detail);

// How a connection still reading its header ended, as a refusal: the close
// reasons an engine reports mapped to proxy_timeout, shutdown (the drain) or
// proxy_invalid (with *detail saying what happened: "connection closed inside
// the header", the socket error).
Refusal refusal_for_unfinished(const ProxyPreamble& preamble, CloseReason reason, int error,
                               std::string* detail);

}  // namespace echo
