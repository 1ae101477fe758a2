#include "core/refusal_log.hpp"

#include <array>
#include <span>
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
    case Refusal::proxy_from:
      return "proxy-from";
    case Refusal::proxy_timeout:
      return "proxy-timeout";
    case Refusal::proxy_invalid:
      return "proxy-invalid";
    case Refusal::shutdown:
      return "shutdown";
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

void RefusalLog::record(Refusal reason, const net::PeerAddress& peer, std::string_view detail,
                        const net::PeerAddress* via, LogThrottle::Clock::time_point now) {
  counts_[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  if (!log::enabled(log::Level::info)) return;
  std::uint64_t suppressed = 0;
  if (!throttle_.allow(now, &suppressed)) return;
  const std::string peer_text = peer.to_string();
  const std::string via_text = via ? via->to_string() : std::string();
  // The optional fields are left out rather than printed empty.
  std::array<log::Field, 5> fields{log::Field{"peer", peer_text}, log::Field{"", ""},
                                   log::Field{"", ""}, log::Field{"", ""}, log::Field{"", ""}};
  std::size_t count = 1;
  if (via) fields[count++] = log::Field{"proxy", via_text};
  fields[count++] = log::Field{"reason", to_string(reason)};
  if (!detail.empty()) fields[count++] = log::Field{"error", detail};
  if (suppressed != 0) fields[count++] = log::Field{"suppressed", suppressed};
  log::write_event(log::Level::info, "refused", std::span<const log::Field>(fields.data(), count));
}

}  // namespace echo
