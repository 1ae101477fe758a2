#include "core/accept_policy.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>

#include "core/log.hpp"

namespace echo {

namespace {
std::atomic<bool> g_exhausted{false};
}

AcceptFailure classify_accept_failure(int error) {
  switch (error) {
    case EAGAIN:
    case EINVAL:  // shutdown(2) for the drain: nothing more will come from this listener
      return AcceptFailure::would_block;
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM:
      if (!g_exhausted.exchange(true)) {
        log::event(log::Level::warn, "accept-paused",
                   {{"error", std::strerror(error)}, {"retry_ms", kAcceptBackoff.count()}});
      }
      return AcceptFailure::exhausted;
    default:
      log::event(log::Level::debug, "accept-failed", {{"error", std::strerror(error)}});
      return AcceptFailure::transient;
  }
}

void note_accept_succeeded() {
  if (g_exhausted.load(std::memory_order_relaxed) && g_exhausted.exchange(false)) {
    log::event(log::Level::info, "accept-resumed");
  }
}

}  // namespace echo
