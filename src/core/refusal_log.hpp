// Why a connection was refused at admission, counted by reason, and logged as
// one `refused peer=... reason=...` line each, at most kLinesPerSecond lines a
// second for the whole process: a flood of refused clients must not turn into
// a flood of log lines. Lines over the budget are counted, and the next line
// written carries `suppressed=N`.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string_view>

#include "net/peer.hpp"

namespace echo {

// The proxy_* ones and shutdown end a connection on a PROXY listener before its
// header was complete (core/proxy_preamble.hpp): it never opened, so it is
// refused, not closed.
enum class Refusal : std::uint8_t {
  none,
  denied,
  per_ip_limit,
  proxy_from,     // a PROXY header from an address outside --proxy-from
  proxy_timeout,  // no complete header within --proxy-timeout
  proxy_invalid,  // a malformed header, or the connection ended inside it
  shutdown,       // the drain deadline passed while the header was incomplete
};
inline constexpr std::size_t kRefusalKinds = 7;
// "none", "denied", "per-ip-limit", "proxy-from", "proxy-timeout", "proxy-invalid", "shutdown"
const char* to_string(Refusal refusal);

// A fixed-window line budget: at most lines_per_window lines in each window,
// a window starting at the first line after the previous one ended. The clock
// is the caller's, so tests can step it without sleeping.
class LogThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  LogThrottle(std::size_t lines_per_window, Clock::duration window)
      : lines_per_window_(lines_per_window), window_(window) {}

  // Whether a line may be written at `now`. When it may, *suppressed is set to
  // the lines held back since the last line written (and that count restarts).
  bool allow(Clock::time_point now, std::uint64_t* suppressed);

 private:
  const std::size_t lines_per_window_;
  const Clock::duration window_;
  std::mutex mutex_;
  bool started_ = false;
  Clock::time_point window_start_{};
  std::size_t lines_in_window_ = 0;
  std::uint64_t suppressed_ = 0;
};

class RefusalLog {
 public:
  static constexpr std::size_t kLinesPerSecond = 10;

  RefusalLog() : throttle_(kLinesPerSecond, std::chrono::seconds(1)) {}

  // Counts one refusal and logs it at info, unless the second's lines are spent.
  void record(Refusal reason, const net::PeerAddress& peer,
              LogThrottle::Clock::time_point now = LogThrottle::Clock::now()) {
    record(reason, peer, {}, nullptr, now);
  }
  // The same with what was wrong (`error=...`, may be empty) and, for a
  // connection that came through a PROXY listener, the proxy's own address
  // (`proxy=...`) when peer is the address its header claimed.
  void record(Refusal reason, const net::PeerAddress& peer, std::string_view detail,
              const net::PeerAddress* via,
              LogThrottle::Clock::time_point now = LogThrottle::Clock::now());

  // Refusals so far for one reason, from any thread (for metrics).
  [[nodiscard]] std::uint64_t count(Refusal reason) const noexcept {
    return counts_[static_cast<std::size_t>(reason)].load(std::memory_order_relaxed);
  }

 private:
  std::array<std::atomic<std::uint64_t>, kRefusalKinds> counts_{};
  LogThrottle throttle_;
};

}  // namespace echo
