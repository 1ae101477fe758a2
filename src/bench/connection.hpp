// One benchmark connection: its socket, where it is in its payload stream, and
// the messages it has in flight. The worker (worker.cpp) drives it from epoll
// events; this file holds the parts that do not depend on the loop: opening a
// socket, sending the stream, checking an echo, choosing the next message size.
//
// The byte stream is the connection's state: `sent`, `received` and `target`
// are offsets in it. A message is a stretch [previous end, end) of the stream, so
// a batch of pipelined messages goes out in one send() straight from the shared
// payload table, and an echo completes every message whose end it passes.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bench/clock.hpp"
#include "bench/options.hpp"
#include "bench/stats.hpp"
#include "net/address.hpp"
#include "net/unique_fd.hpp"

namespace echo::bench {

struct Outstanding {
  std::uint64_t end_offset = 0;  // the message is echoed once `received` reaches this
  Nanos timestamp_ns = 0;        // latency origin: send time (closed loop) or schedule (open loop)
};

// FIFO of messages sent (or queued to send) but not yet echoed in full. The
// capacity is a power of two that doubles when needed up to a cap and never
// shrinks, so in steady state no message allocates.
class MessageRing {
 public:
  explicit MessageRing(std::size_t max_capacity = 1) : max_capacity_(max_capacity) {}
  void set_max_capacity(std::size_t max_capacity) { max_capacity_ = max_capacity; }
  void reserve(std::size_t capacity);

  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool full() const noexcept { return size_ >= max_capacity_; }
  // False when the ring already holds max_capacity messages.
  bool push(const Outstanding& message);
  [[nodiscard]] const Outstanding& front() const noexcept { return slots_[head_]; }
  void pop_front() noexcept {
    head_ = (head_ + 1) & (slots_.size() - 1);
    --size_;
  }
  void clear() noexcept { head_ = size_ = 0; }

 private:
  std::vector<Outstanding> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  std::size_t max_capacity_;
};

enum class ConnectionState : std::uint8_t { idle, connecting, open, closed };

struct Connection {
  net::UniqueFd fd;
  std::uint32_t generation = 0;  // bumped at every close: stale epoll events are ignored
  ConnectionState state = ConnectionState::idle;
  bool write_armed = false;   // EPOLLOUT requested: the kernel buffer was full
  bool in_send_list = false;  // open loop: already queued for this round of sends
  std::uint64_t index = 0;    // global connection number, 0..connections-1
  std::uint64_t cycle = 0;    // --reconnect: how many times this slot has connected

  std::uint64_t pattern_start = 0;  // Payload::start_for(seed)
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::uint64_t target = 0;  // stream offset the queued messages end at
  std::uint64_t size_state = 0;

  std::uint64_t messages_queued = 0;  // messages put into `outstanding` so far
  std::uint64_t messages_due = 0;     // open loop: messages the schedule has released
  Nanos last_progress_ns = 0;
  Nanos connect_started_ns = 0;
  Nanos connected_ns = 0;
  MessageRing outstanding;

  // --proxy-header: this connection's header, sent before stream byte 0 and
  // counted apart from it. The buffer is the slot's, kept across reconnects.
  std::vector<std::uint8_t> proxy_header;
  std::size_t proxy_header_sent = 0;

  // A new stream: offsets back to 0, start and sizes from the seed.
  void reset_stream(std::uint64_t seed) noexcept;
  [[nodiscard]] bool has_outstanding() const noexcept { return target > received; }
  [[nodiscard]] bool proxy_header_pending() const noexcept {
    return proxy_header_sent < proxy_header.size();
  }
  // Header or stream bytes are waiting for room in the socket buffer.
  [[nodiscard]] bool wants_to_send() const noexcept {
    return proxy_header_pending() || sent < target;
  }
};

// Size of the next message: fixed, or uniform in [min, max] from the connection's
// own generator (so the sequence is reproducible per connection).
std::size_t next_message_bytes(Connection& connection, const SizeRange& size) noexcept;

// Checks `echoed` against the stream at `connection.received`. On a mismatch
// returns false and describes the first differing byte in *detail.
bool verify_echo(const Connection& connection, std::span<const std::byte> echoed,
                 std::string* detail);

// The error kind a failed socket call (positive errno) is counted as.
ErrorKind classify_errno(int error) noexcept;

// Opens a non-blocking TCP socket into connection.fd (TCP_NODELAY on), binds the
// source address when given, and starts connecting. Returns 0 when already
// connected, -EINPROGRESS while connecting, or -errno.
int start_connect(Connection& connection, const net::Address& target, const net::Address* source);

// After the socket became writable: 0 when connected, else -errno (SO_ERROR).
int finish_connect(int fd) noexcept;

// Sends what is left of the PROXY header, if any, then stream bytes
// [sent, target) until done or the socket buffer is full. The header goes out
// with the first stream bytes in one sendmsg(2), and a partial write of it is
// resumed on the next call. Returns the stream bytes sent (header bytes are
// not counted; 0 on EAGAIN), or -errno. EINTR is retried.
ssize_t send_stream(Connection& connection) noexcept;

}  // namespace echo::bench
