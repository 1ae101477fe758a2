// One lifecycle for every connection of every engine. Opening: the admission
// step decides whether the connection is taken, with the real peer address in
// hand; if so the record gets its id and logs the open line.
// Closing: the close line, then the connection's --max-connections slot and its
// per-IP count go back. Event loops reach these through LoopCore; the session
// engines (blocking, threads) call them directly.
#pragma once

#include <cstdint>
#include <optional>

#include "core/connection_record.hpp"
#include "core/listen_spec.hpp"
#include "core/server_context.hpp"
#include "net/address.hpp"

namespace echo {

// The one admission step, for a connection just accepted on a slot reserved
// with limiter.try_acquire(). Taken: the slot now holds it, and its record
// (id, peer, open line) is returned. Refused (deny/allow lists, per-IP limit):
// the slot goes back without counting as a connection, the refusal is counted
// and logged (throttled), and nullopt says the caller closes the socket at once.
//
// On a PROXY listener (preamble proxy) only --proxy-from is decided now, for
// the socket's peer; the rest waits for the header (core/proxy_preamble.hpp),
// and the record's open line with it.
std::optional<ConnectionRecord> admit_connection(ServerContext& context, const net::Address& peer,
                                                 Preamble preamble = Preamble::none);

// Logs the close line and gives back what the connection held in the shared
// policy (its limiter slot, its per-IP count). unechoed = bytes received but
// never sent back; error = the errno behind reset/error, else 0.
// via: the proxy's address, for a connection that came through a PROXY header.
void end_connection(ServerContext& context, const ConnectionRecord& record, CloseReason reason,
                    std::uint64_t unechoed, int error = 0, const net::PeerAddress* via = nullptr);

}  // namespace echo
