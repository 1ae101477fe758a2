// One event loop (one thread): epoll over its share of the connections, which it
// owns (slot + generation, never raw fds). Connection c belongs to worker
// c mod threads. The loop connects them all, waits at the start line with the
// other workers, drives the chosen workload, then drains: after the measured
// window nothing new is sent, and what is in flight is awaited and verified.
// Try it: echo-bench 127.0.0.1:7878 --threads 2 (src/bench/run.cpp starts these).
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <latch>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bench/clock.hpp"
#include "bench/connection.hpp"
#include "bench/histogram.hpp"
#include "bench/options.hpp"
#include "bench/proxy_header.hpp"
#include "bench/stats.hpp"
#include "net/unique_fd.hpp"

namespace echo::bench {

// Shared by the runner and its workers for one run.
struct RunControl {
  explicit RunControl(std::size_t workers) : ready(static_cast<std::ptrdiff_t>(workers)) {}
  std::latch ready;  // each worker counts down once its connections are up (or failed)
  std::latch go{1};  // the runner counts down once start_ns is set
  std::atomic<Nanos> start_ns{0};
  std::atomic<bool> stop{false};  // end the window now (SIGINT)
};

// What the live progress line shows; a worker publishes it about 10 times a second.
struct ProgressSample {
  Histogram latency;
  std::uint64_t messages = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t connections_completed = 0;
  std::uint64_t errors = 0;  // running total, not per interval
};

class Worker {
 public:
  Worker(const Options& options, std::size_t worker_index, RunControl& control);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // The thread body: returns when this worker's share of the run is over.
  void run();

  // Valid after run() returned.
  [[nodiscard]] WorkerStats& stats() noexcept { return stats_; }
  [[nodiscard]] Nanos window_end_ns() const noexcept { return window_end_ns_; }

  // Called by the runner's thread: adds what was published since the last call
  // into `into` and clears it (errors: the latest total).
  void take_progress(ProgressSample& into);

 private:
  enum class Phase : std::uint8_t { connecting, running, draining };

  void connect_all();
  void open_connection(Connection& connection, Nanos now);
  void on_connect_event(Connection& connection, Nanos now);
  void start_traffic(Connection& connection, Nanos now);
  void on_readable(Connection& connection, Nanos now);
  void complete_messages(Connection& connection, Nanos now);
  void complete_cycle(Connection& connection, Nanos now);
  bool enqueue_message(Connection& connection, Nanos timestamp, Nanos now);
  void enqueue_due(Connection& connection, Nanos now);
  void flush(Connection& connection, Nanos now);
  void set_write_interest(Connection& connection, bool want_write);
  void fail(Connection& connection, ErrorKind kind, const std::string& detail);
  void close_connection(Connection& connection);

  void release_due(Nanos now);
  void arm_timer();
  [[nodiscard]] Nanos schedule_time(std::uint64_t connection_index,
                                    std::uint64_t round) const noexcept;
  bool take_budget(Nanos timestamp) noexcept;
  void enter_drain(Nanos now);
  [[nodiscard]] bool drained() const noexcept;
  void housekeeping(Nanos now);
  void dispatch(const epoll_event& event);
  [[nodiscard]] bool in_window(Nanos t) const noexcept {
    return t >= measure_start_ns_ && t < measure_end_ns_;
  }
  [[nodiscard]] const net::Address* source_for(const Connection& connection) const noexcept;
  [[nodiscard]] std::uint64_t connection_number(const Connection& connection) const noexcept;
  bool prepare_proxy_header(Connection& connection);
  [[nodiscard]] std::string mismatch_hint(const Connection& connection) const;

  const Options& options_;
  RunControl& control_;
  net::UniqueFd epoll_;
  net::UniqueFd timer_;  // open loop: wakes the loop at the next scheduled send
  std::optional<ProxyHeaderMaker> proxy_header_;  // --proxy-header
  std::vector<Connection> connections_;
  std::vector<std::byte> recv_buffer_;
  std::vector<std::uint32_t> send_list_;  // open loop: slots with newly released messages
  std::size_t live_ = 0;                  // connections connecting or open

  Phase phase_ = Phase::connecting;
  Nanos start_ns_ = 0;
  Nanos measure_start_ns_ = 0;
  Nanos measure_end_ns_ = 0;
  Nanos drain_deadline_ns_ = 0;
  Nanos window_end_ns_ = 0;
  Nanos next_housekeeping_ns_ = 0;
  bool counts_messages_ = false;  // --messages: a budget, not a duration
  std::uint64_t budget_ = 0;      // measured messages this worker may still start

  // Open loop schedule: message `round` of connection c is due at
  // start + (c + round * connections) * interval, walked in time order.
  double interval_ns_ = 0;
  std::size_t cursor_slot_ = 0;
  std::uint64_t cursor_round_ = 0;
  Nanos next_due_ns_ = 0;
  Nanos timer_armed_ns_ = -1;

  WorkerStats stats_;
  ProgressSample interval_;
  std::mutex progress_mutex_;
  ProgressSample published_;
};

}  // namespace echo::bench
