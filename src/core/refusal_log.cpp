#include "core/refusal_log.hpp"

#include <string>

#include "core/log.hpp"

namespace echo {

const char* to_string(Refusal refusal) {
  switch (refusal) {
    case Refusal::none:
      return "none";
    case Refusal::denied:
      return "denied";
    case Refusal::per_ip_limit:
      return "per-ip-limit";
  }
  return "?";
}

bool LogThrottle::allow(Clock::time_point now, std::uint64_t* suppressed) {
  std::lock_guard lock(mutex_);
  if (!started_ || now - window_start_ >= window_) {
    started_ = true;
    window_start_ = now;
    lines_in_window_ = 0;
  }
  if (lines_in_window_ >= lines_per_window_) {
    ++suppressed_;
    return false;
  }
  ++lines_in_window_;
  *suppressed = suppressed_;
  suppressed_ = 0;
  return true;
}

void RefusalLog::record(Refusal reason, const net::PeerAddress& peer,
                        LogThrottle::Clock::time_point now) {
  counts_[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  if (!log::enabled(log::Level::info)) return;
  std::uint64_t suppressed = 0;
  if (!throttle_.allow(now, &suppressed)) return;
  const std::string peer_text = peer.to_string();
  if (suppressed == 0) {
    log::write_event(log::Level::info, "refused",
                     {{"peer", peer_text}, {"reason", to_string(reason)}});
  } else {
    log::write_event(
        log::Level::info, "refused",
        {{"peer", peer_text}, {"reason", to_string(reason)}, {"suppressed", suppressed}});
  }
}

}  // namespace echo
