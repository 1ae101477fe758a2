// One connection served start to end by the calling thread: the body of the
// blocking engine and of each thread in the threads engine. The socket is
// non-blocking and every wait is a poll(2) with a deadline, so write timeouts,
// idle timeouts and the shutdown drain behave exactly as in the event loops.
#pragma once

#include "core/buffer_pool.hpp"
#include "core/connection_record.hpp"
#include "core/server_context.hpp"
#include "net/unique_fd.hpp"

namespace echo {

// The admission step took the connection (admit_connection, in the accepting
// thread, so a refused client costs no thread); serving ends it (end_connection).
void serve_connection(net::UniqueFd fd, const Listener& listener, ConnectionRecord record,
                      ServerContext& context, BufferPool& pool);

}  // namespace echo
