#include "core/connection_lifecycle.hpp"

namespace echo {

ConnectionRecord begin_connection(ServerContext& context, const net::Address& peer) {
  context.limiter.commit();
  return ConnectionRecord(peer);
}

void end_connection(ServerContext& context, const ConnectionRecord& record, CloseReason reason,
                    std::uint64_t unechoed, int error) {
  record.log_close(reason, unechoed, error);
  context.limiter.release();
}

}  // namespace echo
