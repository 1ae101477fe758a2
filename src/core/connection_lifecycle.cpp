#include "core/connection_lifecycle.hpp"

namespace echo {

std::optional<ConnectionRecord> admit_connection(ServerContext& context, const net::Address& peer,
                                                 Preamble preamble) {
  const net::PeerAddress who(peer);
  if (preamble == Preamble::proxy) {
    if (context.admission.admit_proxy_sender(who) != Refusal::none) {
      context.limiter.cancel();
      return std::nullopt;
    }
    context.limiter.commit();
    return ConnectionRecord(peer, ConnectionRecord::Deferred{});
  }
  if (context.admission.admit(who) != Refusal::none) {
    context.limiter.cancel();
    return std::nullopt;
  }
  context.limiter.commit();
  return ConnectionRecord(peer);
}

void end_connection(ServerContext& context, const ConnectionRecord& record, CloseReason reason,
                    std::uint64_t unechoed, int error, const net::PeerAddress* via) {
  record.log_close(reason, unechoed, error, via);
  context.admission.release(record.peer());
  context.limiter.release();
}

}  // namespace echo
