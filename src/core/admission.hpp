// The admission step every engine runs on a new connection, after accept and
// before serving it: the deny and allow lists (deny wins; with any allow rule,
// what it does not allow is denied), then the per-IP connection limit, counted
// per masked address (IPv4 /32, IPv6 /64 by default) and shared by all engine
// threads. Unix-socket peers are not subject to IP rules. Refusals are counted
// and logged, throttled (core/refusal_log.hpp); the engine closes the socket.
//
// With no rules and no per-IP limit, admit and release cost one branch.
#pragma once

#include <cstdint>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "core/admission_config.hpp"
#include "core/cidr.hpp"
#include "core/refusal_log.hpp"
#include "net/peer.hpp"

namespace echo {

class Admission {
 public:
  explicit Admission(AdmissionConfig config);

  // Decides for a new connection from peer. On Refusal::none a per-IP count was
  // taken (when per-IP limits are on), to be given back with release(peer) when
  // it closes. A refusal is counted and logged here.
  // via: the proxy's own address when peer is the one its PROXY header
  // claimed (it goes into a refusal's log line).
  Refusal admit(const net::PeerAddress& peer, const net::PeerAddress* via = nullptr);
  void release(const net::PeerAddress& peer) noexcept;
  // Whether sender may send a PROXY header (--proxy-from); a refusal is counted
  // and logged. Unix-socket senders are not subject to it.
  Refusal admit_proxy_sender(const net::PeerAddress& sender);
  // Counts and logs a refusal decided elsewhere (a PROXY header that timed out
  // or was malformed): one log, throttled, for every kind.
  void refuse(Refusal reason, const net::PeerAddress& peer, std::string_view detail = {},
              const net::PeerAddress* via = nullptr) {
    refusals_.record(reason, peer, detail, via);
  }

  [[nodiscard]] const RefusalLog& refusals() const noexcept { return refusals_; }
  // Address groups holding at least one connection (for tests).
  [[nodiscard]] std::size_t tracked_groups() const;

 private:
  struct GroupHash {
    std::size_t operator()(const IpAddress& ip) const noexcept;
  };

  [[nodiscard]] bool permitted(const IpAddress& ip) const noexcept;
  [[nodiscard]] IpAddress group_of(const IpAddress& ip) const noexcept;
  bool take_slot(const IpAddress& ip);

  const AdmissionConfig config_;
  const bool active_;  // any rule or limit at all
  mutable std::mutex mutex_;
  std::unordered_map<IpAddress, std::uint32_t, GroupHash> open_per_group_;
  RefusalLog refusals_;
};

}  // namespace echo
