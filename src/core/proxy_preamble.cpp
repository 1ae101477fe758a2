#include "core/proxy_preamble.hpp"

#include <cstring>

#include "core/log.hpp"
#include "proxy/parser.hpp"

namespace echo {

ProxyPreamble::ProxyPreamble(const net::PeerAddress& sender)
    : parser_(std::make_unique<proxy::Parser>()), sender_(sender) {}
ProxyPreamble::~ProxyPreamble() = default;
ProxyPreamble::ProxyPreamble(ProxyPreamble&&) noexcept = default;
ProxyPreamble& ProxyPreamble::operator=(ProxyPreamble&&) noexcept = default;

ProxyPreamble::Step ProxyPreamble::take(ServerContext& context, ConnectionRecord& record,
                                        std::span<std::byte> bytes) {
  if (complete_ || !parser_) return {Status::refused, 0};
  const proxy::Parser::Step step =
      parser_->feed({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
  if (step.status == proxy::Parser::Status::need_more) return {Status::need_more, 0};
  if (step.status == proxy::Parser::Status::invalid) {
    refusal_ = Refusal::proxy_invalid;
    detail_ = std::string(parser_->error());
    parser_.reset();
    return {Status::refused, 0};
  }
  const proxy::Header& header = parser_->header();
  const net::PeerAddress claimed =
      header.has_real_peer() ? net::PeerAddress(header.source) : sender_;
  if (context.admission.admit(claimed, &sender_) != Refusal::none) {
    refusal_ = Refusal::none;  // admission counted and logged it
    parser_.reset();
    return {Status::refused, 0};
  }
  // The TLV summary is only for the open line: not built when info is off.
  record.open_proxied(claimed, sender_,
                      log::enabled(log::Level::info) ? header.describe_tlvs() : std::string());
  parser_.reset();
  complete_ = true;
  const std::size_t leftover = bytes.size() - step.consumed;
  if (leftover > 0) std::memmove(bytes.data(), bytes.data() + step.consumed, leftover);
  return {Status::done, leftover};
}

void end_preamble(ServerContext& context, const ProxyPreamble& preamble, Refusal reason,
                  std::string_view detail) {
  if (reason != Refusal::none) context.admission.refuse(reason, preamble.sender(), detail);
  context.limiter.release();
}

Refusal refusal_for_unfinished(const ProxyPreamble& preamble, CloseReason reason, int error,
                               std::string* detail) {
  switch (reason) {
    case CloseReason::proxy_timeout:
      *detail = "";
      return Refusal::proxy_timeout;
    case CloseReason::shutdown:
      *detail = "";
      return Refusal::shutdown;
    case CloseReason::proxy_invalid:
      *detail = preamble.detail();
      return preamble.refusal();
    case CloseReason::eof:
      *detail = "connection closed inside the header";
      return Refusal::proxy_invalid;
    default:
      *detail = error != 0 ? std::strerror(error) : to_string(reason);
      return Refusal::proxy_invalid;
  }
}

}  // namespace echo
