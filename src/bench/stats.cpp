#include "bench/stats.hpp"

#include <algorithm>

namespace echo::bench {

void WorkerStats::merge(const WorkerStats& other) {
  latency.merge(other.latency);
  connect_latency.merge(other.connect_latency);
  messages += other.messages;
  bytes_sent += other.bytes_sent;
  bytes_received += other.bytes_received;
  connections_completed += other.connections_completed;
  connections_established += other.connections_established;
  unfinished_messages += other.unfinished_messages;
  last_completion_ns = std::max(last_completion_ns, other.last_completion_ns);
  errors.merge(other.errors);
  for (const auto& sample : other.error_samples) {
    if (error_samples.size() >= kMaxErrorSamples) break;
    error_samples.push_back(sample);
  }
}

}  // namespace echo::bench
