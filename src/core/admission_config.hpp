// Who may connect: allow/deny lists and the per-IP connection limit. A struct of
// its own inside ServerConfig, so that a reload can swap the rules whole.
#pragma once

#include <cstddef>
#include <vector>

#include "core/cidr.hpp"

namespace echo {

struct AdmissionConfig {
  std::vector<Cidr> allow;  // when not empty, only these may connect
  std::vector<Cidr> deny;   // wins over allow
  // Most open connections from one IPv4 address or IPv6 /64 (the groups are
  // set by the prefixes below); 0 = off.
  std::size_t max_connections_per_ip = 0;
  unsigned per_ip_prefix_v4 = 32;
  unsigned per_ip_prefix_v6 = 64;
  // --proxy-from: who may send a PROXY header on a proxy listener; empty = anyone
  // who can reach it. The rules above then apply to the address the header claims.
  std::vector<Cidr> proxy_from;
};

}  // namespace echo
