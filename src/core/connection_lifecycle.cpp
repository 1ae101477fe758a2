#include "core/connection_lifecycle.hpp"

namespace echo {

std::optional<ConnectionRecord> admit_connection(ServerContext& context, const net::Address& peer) {
  const net::PeerAddress who(peer);
  if (context.admission.admit(who) != Refusal::none) {
    context.limiter.cancel();
    return std::nullopt;
  }
  context.limiter.commit();
  return ConnectionRecord(peer);
}

void end_connection(ServerContext& context, const ConnectionRecord& record, CloseReason reason,
                    std::uint64_t unechoed, int error) {
  record.log_close(reason, unechoed, error);
  context.admission.release(record.peer());
  context.limiter.release();
}

}  // namespace echo
