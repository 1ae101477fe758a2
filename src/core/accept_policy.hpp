// What to do when accept(2) fails, shared by every engine. Running out of
// descriptors (EMFILE/ENFILE) or kernel memory must not make an accept loop
// spin: the engine stops accepting for kAcceptBackoff (or until one of its own
// connections closes) while the pending clients wait in the listen backlog.
#pragma once

#include <chrono>

namespace echo {

constexpr std::chrono::milliseconds kAcceptBackoff{100};

enum class AcceptFailure {
  would_block,  // EAGAIN: nothing pending; also EINVAL: the listener was shut down for the drain
  transient,    // the pending client vanished or was refused by a filter: accept the next
  exhausted,    // out of descriptors or memory: back off
};

// Classifies -error (as returned by net::accept_connection) and logs what needs
// logging: exhaustion once per episode, other failures at debug.
AcceptFailure classify_accept_failure(int error);

// Call after a successful accept: ends (and logs the end of) an exhaustion episode.
void note_accept_succeeded();

}  // namespace echo
