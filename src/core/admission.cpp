#include "core/admission.hpp"

#include <algorithm>
#include <cstring>

namespace echo {

Admission::Admission(AdmissionConfig config)
    : config_(std::move(config)),
      active_(!config_.allow.empty() || !config_.deny.empty() ||
              config_.max_connections_per_ip > 0) {}

Refusal Admission::admit(const net::PeerAddress& peer, const net::PeerAddress* via) {
  if (!active_) return Refusal::none;
  // A Unix peer, or one whose address getpeername could not tell (it is gone).
  const auto ip = ip_of(peer);
  if (!ip) return Refusal::none;
  Refusal refusal = Refusal::none;
  if (!permitted(*ip)) {
    refusal = Refusal::denied;
  } else if (config_.max_connections_per_ip > 0 && !take_slot(*ip)) {
    refusal = Refusal::per_ip_limit;
  }
  if (refusal != Refusal::none) refusals_.record(refusal, peer, {}, via);
  return refusal;
}

Refusal Admission::admit_proxy_sender(const net::PeerAddress& sender) {
  if (config_.proxy_from.empty()) return Refusal::none;
  const auto ip = ip_of(sender);
  if (!ip) return Refusal::none;
  const auto contains = [&ip](const Cidr& cidr) { return cidr.contains(*ip); };
  if (std::any_of(config_.proxy_from.begin(), config_.proxy_from.end(), contains))
    return Refusal::none;
  refusals_.record(Refusal::proxy_from, sender);
  return Refusal::proxy_from;
}

void Admission::release(const net::PeerAddress& peer) noexcept {
  if (config_.max_connections_per_ip == 0) return;
  const auto ip = ip_of(peer);
  if (!ip) return;
  std::lock_guard lock(mutex_);
  const auto it = open_per_group_.find(group_of(*ip));
  if (it == open_per_group_.end()) return;
  if (--it->second == 0) open_per_group_.erase(it);
}

std::size_t Admission::tracked_groups() const {
  std::lock_guard lock(mutex_);
  return open_per_group_.size();
}

bool Admission::permitted(const IpAddress& ip) const noexcept {
  const auto contains = [&ip](const Cidr& cidr) { return cidr.contains(ip); };
  if (std::any_of(config_.deny.begin(), config_.deny.end(), contains)) return false;
  return config_.allow.empty() || std::any_of(config_.allow.begin(), config_.allow.end(), contains);
}

IpAddress Admission::group_of(const IpAddress& ip) const noexcept {
  return ip.masked(ip.family == IpFamily::v4 ? config_.per_ip_prefix_v4 : config_.per_ip_prefix_v6);
}

bool Admission::take_slot(const IpAddress& ip) {
  std::lock_guard lock(mutex_);
  std::uint32_t& open = open_per_group_[group_of(ip)];
  if (open >= config_.max_connections_per_ip) return false;  // open > 0: no empty entry left
  ++open;
  return true;
}

std::size_t Admission::GroupHash::operator()(const IpAddress& ip) const noexcept {
  std::uint64_t high = 0, low = 0;
  std::memcpy(&high, ip.bytes.data(), 8);
  std::memcpy(&low, ip.bytes.data() + 8, 8);
  // Mix the halves (splitmix64's finaliser) so /64 groups, whose low half is
  // all zero, still spread over the buckets.
  std::uint64_t h = high ^ (low * 0x9E3779B97F4A7C15ULL) ^ static_cast<std::uint64_t>(ip.family);
  h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
  h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
  return static_cast<std::size_t>(h ^ (h >> 31));
}

}  // namespace echo
