#include "bench/worker.hpp"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "bench/payload.hpp"
#include "net/address.hpp"

namespace echo::bench {

namespace {

constexpr int kMaxEventsPerWait = 256;
constexpr std::size_t kRecvChunkBytes = 64 * 1024;  // <= Payload::kMaxSpanBytes
constexpr Nanos kHousekeepingPeriodNs = 100 * kNanosPerMilli;
constexpr std::uint32_t kTimerSlot = UINT32_MAX;
constexpr std::size_t kOpenLoopRingInitial = 16;
// Open loop against a stalled server: past this many messages in flight on one
// connection the rest wait unsent (still timed from their schedule), so memory
// stays bounded at 64 KiB of bookkeeping per connection.
constexpr std::size_t kMaxOutstandingMessages = 4096;
constexpr std::uint64_t kStreamUnbounded = UINT64_MAX;
// --discard: the most bytes one recv(MSG_TRUNC) may drop. Nothing is copied, so
// it can be large; the kernel returns what is queued, up to this.
constexpr std::size_t kDiscardChunkBytes = std::size_t{16} << 20;
// Sanitizers model recv as a write of its result into the buffer even with
// MSG_TRUNC (a null one is a race between workers under TSan): under them the
// discard goes into this worker's own receive buffer, at most its size a call.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

std::uint64_t pack(std::uint32_t slot, std::uint32_t generation) {
  return (std::uint64_t{generation} << 32) | slot;
}

std::string errno_text(int error) {
  return std::strerror(error);
}

}  // namespace

Worker::Worker(const Options& options, std::size_t worker_index, RunControl& control)
    : options_(options), control_(control), recv_buffer_(kRecvChunkBytes) {
  std::size_t count = 0;
  for (std::size_t c = worker_index; c < options.connections; c += options.threads) ++count;
  connections_ = std::vector<Connection>(count);
  send_list_.reserve(count);
  for (std::size_t slot = 0; slot < count; ++slot) {
    Connection& connection = connections_[slot];
    connection.index = worker_index + slot * options.threads;
    switch (options.mode) {
      case Mode::closed_loop:
        connection.outstanding.set_max_capacity(options.pipeline);
        connection.outstanding.reserve(options.pipeline);
        break;
      case Mode::open_loop:
        connection.outstanding.set_max_capacity(kMaxOutstandingMessages);
        connection.outstanding.reserve(kOpenLoopRingInitial);
        break;
      case Mode::stream:
      case Mode::reconnect:
        connection.outstanding.set_max_capacity(1);
        connection.outstanding.reserve(1);
        break;
    }
  }
  counts_messages_ = options.messages != 0;
  if (counts_messages_) {
    budget_ = options.messages / options.threads +
              (worker_index < options.messages % options.threads ? 1 : 0);
  }
  if (options.mode == Mode::open_loop)
    interval_ns_ = static_cast<double>(kNanosPerSecond) / options.rate_per_second;
  if (options.proxy) proxy_header_.emplace(*options.proxy, options.target);
}

void Worker::run() {
  // Timers (the open-loop schedule) would otherwise fire up to 50 us late.
  ::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (options_.mode == Mode::open_loop) {
    timer_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
    if (timer_) {
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.u64 = pack(kTimerSlot, 0);
      ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, timer_.get(), &event);
    }
  }
  if (!epoll_ || (options_.mode == Mode::open_loop && !timer_)) {
    const int error = errno;
    for (auto& connection : connections_)
      fail(connection, ErrorKind::other, "epoll/timerfd: " + errno_text(error));
    connections_.clear();
  }

  if (options_.mode != Mode::reconnect) connect_all();
  control_.ready.count_down();
  control_.go.wait();

  start_ns_ = control_.start_ns.load();
  measure_start_ns_ = start_ns_ + options_.warmup.count();
  measure_end_ns_ = counts_messages_ ? INT64_MAX : measure_start_ns_ + options_.duration.count();
  window_end_ns_ = measure_start_ns_;
  phase_ = Phase::running;
  const Nanos now = now_ns();
  next_housekeeping_ns_ = now + kHousekeepingPeriodNs;
  if (counts_messages_ && budget_ == 0) enter_drain(now);
  for (auto& connection : connections_) {
    if (options_.mode == Mode::reconnect) {
      if (phase_ == Phase::running) open_connection(connection, now);
    } else if (connection.state == ConnectionState::open) {
      start_traffic(connection, now);
    }
  }
  if (options_.mode == Mode::open_loop && !connections_.empty()) {
    next_due_ns_ = schedule_time(connections_[0].index, 0);
    arm_timer();
  }

  epoll_event events[kMaxEventsPerWait];
  for (;;) {
    Nanos t = now_ns();
    if (phase_ == Phase::running && (t >= measure_end_ns_ || (counts_messages_ && budget_ == 0) ||
                                     control_.stop.load(std::memory_order_relaxed)))
      enter_drain(t);
    if (phase_ == Phase::running && options_.mode == Mode::open_loop) {
      release_due(t);
      arm_timer();
    }
    if (t >= next_housekeeping_ns_) housekeeping(t);
    if (live_ == 0 || (phase_ == Phase::draining && (drained() || t >= drain_deadline_ns_))) break;

    Nanos wake = next_housekeeping_ns_;
    if (phase_ == Phase::running) wake = std::min(wake, measure_end_ns_);
    if (phase_ == Phase::draining) wake = std::min(wake, drain_deadline_ns_);
    const Nanos wait_ns = std::max<Nanos>(0, wake - t);
    const int timeout_ms = static_cast<int>((wait_ns + kNanosPerMilli - 1) / kNanosPerMilli);
    const int n = ::epoll_wait(epoll_.get(), events, kMaxEventsPerWait, timeout_ms);
    for (int i = 0; i < n; ++i) dispatch(events[i]);
  }

  if (phase_ == Phase::running) enter_drain(now_ns());
  for (auto& connection : connections_) {
    if (connection.state == ConnectionState::open)
      stats_.unfinished_messages += connection.outstanding.size();
    if (connection.state != ConnectionState::closed && connection.state != ConnectionState::idle)
      close_connection(connection);
  }
}

void Worker::connect_all() {
  Nanos now = now_ns();
  for (auto& connection : connections_) open_connection(connection, now);
  const Nanos deadline = now + options_.timeout.count();
  epoll_event events[kMaxEventsPerWait];
  auto connecting = [&] {
    return std::any_of(connections_.begin(), connections_.end(),
                       [](const Connection& c) { return c.state == ConnectionState::connecting; });
  };
  while (connecting() && (now = now_ns()) < deadline) {
    const int timeout_ms =
        static_cast<int>(std::min<Nanos>((deadline - now) / kNanosPerMilli + 1, 100));
    const int n = ::epoll_wait(epoll_.get(), events, kMaxEventsPerWait, timeout_ms);
    for (int i = 0; i < n; ++i) dispatch(events[i]);
  }
  for (auto& connection : connections_) {
    if (connection.state == ConnectionState::connecting)
      fail(connection, ErrorKind::timeout, "connect timed out");
  }
}

// Every connection the run opens has its own number: slot c's k-th connect is
// c + k * connections (k > 0 only with --reconnect).
std::uint64_t Worker::connection_number(const Connection& connection) const noexcept {
  return connection.index + connection.cycle * options_.connections;
}

const net::Address* Worker::source_for(const Connection& connection) const noexcept {
  if (options_.sources.empty()) return nullptr;
  return &options_.sources[connection_number(connection) % options_.sources.size()];
}

// Once connected: the header this connection sends first, which claims the
// next source of the range, or the socket's own address.
bool Worker::prepare_proxy_header(Connection& connection) {
  connection.proxy_header_sent = 0;
  std::optional<net::Address> local;
  if (proxy_header_->needs_local_address()) {
    local = net::local_address(connection.fd.get());
    if (!local) {
      fail(connection, ErrorKind::other, "getsockname: " + errno_text(errno));
      return false;
    }
  }
  proxy_header_->write(connection_number(connection), local ? &*local : nullptr,
                       connection.proxy_header);
  return true;
}

// A server that echoes the PROXY header instead of reading it fails at once.
std::string Worker::mismatch_hint(const Connection& connection) const {
  if (!options_.proxy || connection.received != 0) return {};
  return " (does the server read PROXY headers? it seems to echo the header)";
}

void Worker::open_connection(Connection& connection, Nanos now) {
  connection.reset_stream(mix_seed(options_.seed, mix_seed(connection.index, connection.cycle)));
  connection.connect_started_ns = now;
  connection.last_progress_ns = now;
  const int result = start_connect(connection, options_.target, source_for(connection));
  if (result != 0 && result != -EINPROGRESS) {
    connection.state = ConnectionState::connecting;  // so fail() counts it down
    ++live_;
    fail(connection, classify_errno(-result), "connect: " + errno_text(-result));
    return;
  }
  connection.state = ConnectionState::connecting;
  ++live_;
  const auto slot = static_cast<std::uint32_t>(&connection - connections_.data());
  epoll_event event{};
  event.events = EPOLLIN | EPOLLOUT;
  event.data.u64 = pack(slot, connection.generation);
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, connection.fd.get(), &event) != 0) {
    fail(connection, ErrorKind::other, "epoll_ctl: " + errno_text(errno));
    return;
  }
  connection.write_armed = true;
  if (result == 0) on_connect_event(connection, now);
}

void Worker::on_connect_event(Connection& connection, Nanos now) {
  if (const int error = finish_connect(connection.fd.get()); error != 0) {
    fail(connection, classify_errno(-error), "connect: " + errno_text(-error));
    return;
  }
  connection.state = ConnectionState::open;
  connection.last_progress_ns = now;
  ++stats_.connections_established;
  set_write_interest(connection, false);
  connection.connected_ns = now;
  if (proxy_header_ && !prepare_proxy_header(connection)) return;
  if (phase_ != Phase::connecting) {
    start_traffic(connection, now);
  } else if (connection.proxy_header_pending()) {
    flush(connection, now);  // the header now, as part of connecting; the traffic at the start
  }
}

void Worker::start_traffic(Connection& connection, Nanos now) {
  switch (options_.mode) {
    case Mode::closed_loop:
      for (std::size_t i = 0; i < options_.pipeline; ++i) {
        if (!enqueue_message(connection, now, now)) break;
      }
      break;
    case Mode::reconnect:
      enqueue_message(connection, connection.connect_started_ns, now);
      break;
    case Mode::stream:
      connection.target = kStreamUnbounded;
      break;
    case Mode::open_loop:
      // The schedule releases its messages; a header still pending goes now.
      if (connection.proxy_header_pending()) flush(connection, now);
      return;
  }
  flush(connection, now);
}

bool Worker::take_budget(Nanos timestamp) noexcept {
  if (!counts_messages_ || timestamp < measure_start_ns_) return true;
  if (budget_ == 0) return false;
  --budget_;
  return true;
}

bool Worker::enqueue_message(Connection& connection, Nanos timestamp, Nanos now) {
  if (phase_ != Phase::running || connection.outstanding.full()) return false;
  if (!take_budget(timestamp)) return false;
  if (!connection.has_outstanding())
    connection.last_progress_ns = now;  // the timeout clock starts now
  connection.target += next_message_bytes(connection, options_.size);
  connection.outstanding.push({connection.target, timestamp});
  ++connection.messages_queued;
  return true;
}

void Worker::enqueue_due(Connection& connection, Nanos now) {
  while (connection.messages_queued < connection.messages_due && !connection.outstanding.full()) {
    if (!connection.has_outstanding()) connection.last_progress_ns = now;
    connection.target += next_message_bytes(connection, options_.size);
    connection.outstanding.push(
        {connection.target, schedule_time(connection.index, connection.messages_queued)});
    ++connection.messages_queued;
  }
}

void Worker::flush(Connection& connection, Nanos now) {
  const ssize_t n = send_stream(connection);
  if (n < 0) {
    fail(connection, classify_errno(static_cast<int>(-n)),
         "send: " + errno_text(static_cast<int>(-n)));
    return;
  }
  if (in_window(now)) stats_.bytes_sent += static_cast<std::uint64_t>(n);
  set_write_interest(connection, connection.wants_to_send());
}

void Worker::set_write_interest(Connection& connection, bool want_write) {
  if (connection.write_armed == want_write) return;
  const auto slot = static_cast<std::uint32_t>(&connection - connections_.data());
  epoll_event event{};
  event.events = EPOLLIN | (want_write ? EPOLLOUT : 0u);
  event.data.u64 = pack(slot, connection.generation);
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, connection.fd.get(), &event) != 0) {
    fail(connection, ErrorKind::other, "epoll_ctl: " + errno_text(errno));
    return;
  }
  connection.write_armed = want_write;
}

// Reads what arrived and checks it against the stream. With --discard, TCP's
// MSG_TRUNC drops the bytes in the kernel without copying them (man 7 tcp; the
// buffer is never touched, so none is passed): they are counted, and the checks
// that need no bytes still apply (more echoed than sent, EOF before all of it).
void Worker::on_readable(Connection& connection, Nanos now) {
  ssize_t n = 0;
  do {
    if (!options_.discard) {
      n = ::recv(connection.fd.get(), recv_buffer_.data(), recv_buffer_.size(), 0);
    } else if constexpr (kSanitized) {
      n = ::recv(connection.fd.get(), recv_buffer_.data(), recv_buffer_.size(), MSG_TRUNC);
    } else {
      n = ::recv(connection.fd.get(), nullptr, kDiscardChunkBytes, MSG_TRUNC);
    }
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    fail(connection, classify_errno(errno), "recv: " + errno_text(errno));
    return;
  }
  if (n == 0) {
    if (connection.sent > connection.received) {
      fail(connection, ErrorKind::short_echo,
           "EOF after " + std::to_string(connection.received) + " of " +
               std::to_string(connection.sent) + " bytes echoed");
    } else {
      fail(connection, ErrorKind::closed, "the server closed the connection");
    }
    return;
  }
  const auto bytes = static_cast<std::size_t>(n);
  if (connection.received + bytes > connection.sent) {
    fail(connection, ErrorKind::mismatch,
         "the server echoed " + std::to_string(connection.received + bytes - connection.sent) +
             " bytes more than were sent" + mismatch_hint(connection));
    return;
  }
  std::string detail;
  if (!options_.discard &&
      !verify_echo(connection, std::span(recv_buffer_.data(), bytes), &detail)) {
    fail(connection, ErrorKind::mismatch, detail + mismatch_hint(connection));
    return;
  }
  connection.received += bytes;
  connection.last_progress_ns = now;
  if (in_window(now)) stats_.bytes_received += bytes;
  interval_.bytes_received += bytes;
  complete_messages(connection, now);
}

void Worker::complete_messages(Connection& connection, Nanos now) {
  auto& outstanding = connection.outstanding;
  while (!outstanding.empty() && outstanding.front().end_offset <= connection.received) {
    const Nanos timestamp = outstanding.front().timestamp_ns;
    outstanding.pop_front();
    const auto latency = static_cast<std::uint64_t>(std::max<Nanos>(0, now - timestamp));
    if (timestamp >= measure_start_ns_ && timestamp < measure_end_ns_) {
      stats_.latency.record(latency);
      ++stats_.messages;
      stats_.last_completion_ns = now;
    }
    if (options_.progress) {  // the live line shows the warm-up too
      interval_.latency.record(latency);
      ++interval_.messages;
    }
    if (options_.mode == Mode::closed_loop) enqueue_message(connection, now, now);
  }
  switch (options_.mode) {
    case Mode::reconnect:
      if (outstanding.empty() && connection.received == connection.target)
        complete_cycle(connection, now);
      return;
    case Mode::open_loop:
      enqueue_due(connection, now);
      break;
    case Mode::closed_loop:
    case Mode::stream:
      break;
  }
  if (connection.sent < connection.target) flush(connection, now);
}

void Worker::complete_cycle(Connection& connection, Nanos now) {
  // Counted here, with the cycle, so connect latencies and completed cycles
  // describe the same connections.
  if (in_window(connection.connect_started_ns)) {
    ++stats_.connections_completed;
    stats_.connect_latency.record(
        static_cast<std::uint64_t>(connection.connected_ns - connection.connect_started_ns));
  }
  ++interval_.connections_completed;
  // We close first, after the whole echo was read, so the close is a clean FIN
  // and TIME_WAIT stays on this side (spread it with --source).
  close_connection(connection);
  ++connection.cycle;
  if (phase_ == Phase::running && !(counts_messages_ && budget_ == 0))
    open_connection(connection, now);
}

void Worker::fail(Connection& connection, ErrorKind kind, const std::string& detail) {
  stats_.errors.add(kind);
  if (stats_.error_samples.size() < WorkerStats::kMaxErrorSamples) {
    stats_.error_samples.push_back("connection " + std::to_string(connection.index) + ": " +
                                   std::string(kErrorKindNames[static_cast<std::size_t>(kind)]) +
                                   ": " + detail);
  }
  close_connection(connection);
}

void Worker::close_connection(Connection& connection) {
  if (connection.state == ConnectionState::connecting || connection.state == ConnectionState::open)
    --live_;
  connection.fd.reset();  // also removes it from the epoll set
  connection.state = ConnectionState::closed;
  connection.write_armed = false;
  ++connection.generation;
}

Nanos Worker::schedule_time(std::uint64_t connection_index, std::uint64_t round) const noexcept {
  const double slot = static_cast<double>(connection_index) +
                      static_cast<double>(round) * static_cast<double>(options_.connections);
  return start_ns_ + static_cast<Nanos>(slot * interval_ns_);
}

void Worker::release_due(Nanos now) {
  while (next_due_ns_ <= now && next_due_ns_ < measure_end_ns_) {
    Connection& connection = connections_[cursor_slot_];
    if (connection.state == ConnectionState::open) {
      if (!take_budget(next_due_ns_)) break;
      ++connection.messages_due;
      if (!connection.in_send_list) {
        connection.in_send_list = true;
        send_list_.push_back(static_cast<std::uint32_t>(cursor_slot_));
      }
    }
    if (++cursor_slot_ == connections_.size()) {
      cursor_slot_ = 0;
      ++cursor_round_;
    }
    next_due_ns_ = schedule_time(connections_[cursor_slot_].index, cursor_round_);
  }
  for (const std::uint32_t slot : send_list_) {
    Connection& connection = connections_[slot];
    connection.in_send_list = false;
    if (connection.state != ConnectionState::open) continue;
    enqueue_due(connection, now);
    flush(connection, now);
  }
  send_list_.clear();
  if (counts_messages_ && budget_ == 0) enter_drain(now);
}

void Worker::arm_timer() {
  if (!timer_ || phase_ != Phase::running || next_due_ns_ == timer_armed_ns_) return;
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(next_due_ns_ / kNanosPerSecond);
  spec.it_value.tv_nsec = static_cast<long>(next_due_ns_ % kNanosPerSecond);
  ::timerfd_settime(timer_.get(), TFD_TIMER_ABSTIME, &spec, nullptr);
  timer_armed_ns_ = next_due_ns_;
}

void Worker::enter_drain(Nanos now) {
  if (phase_ == Phase::draining) return;
  phase_ = Phase::draining;
  window_end_ns_ = std::clamp(now, measure_start_ns_, std::max(measure_start_ns_, measure_end_ns_));
  // One housekeeping period more than --timeout, so a stalled connection is
  // reported as a timeout by the sweep before the drain gives up on it.
  drain_deadline_ns_ = now + options_.timeout.count() + 2 * kHousekeepingPeriodNs;
  if (options_.mode != Mode::stream) return;
  for (auto& connection : connections_) {
    if (connection.state != ConnectionState::open) continue;
    connection.target = connection.sent;
    set_write_interest(connection, false);
  }
}

bool Worker::drained() const noexcept {
  return std::none_of(connections_.begin(), connections_.end(), [](const Connection& c) {
    return c.state == ConnectionState::connecting ||
           (c.state == ConnectionState::open &&
            (c.has_outstanding() || c.messages_due > c.messages_queued));
  });
}

void Worker::housekeeping(Nanos now) {
  next_housekeeping_ns_ = now + kHousekeepingPeriodNs;
  const Nanos timeout_ns = options_.timeout.count();
  for (auto& connection : connections_) {
    if (connection.state == ConnectionState::connecting &&
        now - connection.connect_started_ns >= timeout_ns) {
      fail(connection, ErrorKind::timeout, "connect timed out");
    } else if (connection.state == ConnectionState::open && connection.has_outstanding() &&
               now - connection.last_progress_ns >= timeout_ns) {
      const std::uint64_t waiting =
          std::min(connection.sent, connection.target) - connection.received;
      fail(connection, ErrorKind::timeout,
           "no echo for " + std::to_string(timeout_ns / kNanosPerMilli) + " ms with " +
               std::to_string(waiting) + " bytes outstanding");
    }
  }
  if (!options_.progress) return;
  const std::lock_guard lock(progress_mutex_);
  published_.latency.merge(interval_.latency);
  published_.messages += interval_.messages;
  published_.bytes_received += interval_.bytes_received;
  published_.connections_completed += interval_.connections_completed;
  published_.errors = stats_.errors.total();
  interval_.latency.reset();
  interval_.messages = interval_.bytes_received = interval_.connections_completed = 0;
}

void Worker::take_progress(ProgressSample& into) {
  const std::lock_guard lock(progress_mutex_);
  into.latency.merge(published_.latency);
  into.messages += published_.messages;
  into.bytes_received += published_.bytes_received;
  into.connections_completed += published_.connections_completed;
  into.errors += published_.errors;
  published_.latency.reset();
  published_.messages = published_.bytes_received = published_.connections_completed = 0;
}

void Worker::dispatch(const epoll_event& event) {
  const auto slot = static_cast<std::uint32_t>(event.data.u64 & 0xFFFFFFFFu);
  const auto generation = static_cast<std::uint32_t>(event.data.u64 >> 32);
  if (slot == kTimerSlot) {
    std::uint64_t expirations = 0;
    [[maybe_unused]] const ssize_t n = ::read(timer_.get(), &expirations, sizeof expirations);
    timer_armed_ns_ = -1;
    return;
  }
  Connection& connection = connections_[slot];
  if (connection.generation != generation) return;  // closed earlier in this batch
  const Nanos now = now_ns();
  if (connection.state == ConnectionState::connecting) {
    on_connect_event(connection, now);
    return;
  }
  if (connection.state != ConnectionState::open) return;
  if (event.events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(connection, now);
  if ((event.events & EPOLLOUT) && connection.generation == generation &&
      connection.state == ConnectionState::open)
    flush(connection, now);
}

}  // namespace echo::bench
