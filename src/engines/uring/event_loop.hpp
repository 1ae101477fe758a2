// One io_uring event loop, run by one thread: a multishot accept on its
// listeners, one single-shot recv (buffer chosen by the kernel from a provided
// buffer ring) or one send in flight per connection, and the shared timeouts.
// SQEs are prepared during a turn and submitted together with the wait for the
// next completions, so a turn costs one io_uring_enter. Each connection's socket
// is also installed in the ring's file table at its slot number, so its SQEs
// name it with IOSQE_FIXED_FILE (no fdget/fdput per operation); that costs one
// io_uring_register per accept and one per close.
//
// Needs Linux 5.19 or later; see engines/uring/ring.hpp. Try it:
// `echo-server --engine uring` and `nc 127.0.0.1 7878`.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "core/buffer_pool.hpp"
#include "core/connection_record.hpp"
#include "core/server_context.hpp"
#include "core/slot_table.hpp"
#include "core/timer_list.hpp"
#include "engines/uring/buffer_ring.hpp"
#include "engines/uring/ring.hpp"
#include "engines/uring/tags.hpp"
#include "net/unique_fd.hpp"

namespace echo::uring {

class EventLoop {
 public:
  // listeners are borrowed: ServerContext owns them. Creates the ring (disabled
  // until run() binds it to its thread) and its buffer ring; throws
  // std::runtime_error if the kernel refuses.
  EventLoop(ServerContext& context, std::vector<int> listeners);

  void run();
  // How the ring runs completion work (Ring::mode_name), for the start-up log.
  const char* ring_mode() const noexcept { return ring_.mode_name(); }
  // Thread-safe: makes run() look at the connection limit again.
  void wake() const noexcept;

 private:
  using Clock = std::chrono::steady_clock;

  enum class Phase : std::uint8_t {
    serving,
    final_flush,  // past the drain deadline: echo what is held, then FIN
    fin_sent,     // waiting for the peer to close, discarding what it sends
  };

  static constexpr std::uint16_t kNoBuffer = 0xFFFF;  // buffer ids stay below 4096

  // One per slot, for every connection the loop holds, so its size is most of
  // the server's memory per idle connection: ordered to leave no padding
  // (96 bytes on x86-64, as the epoll engine's).
  struct Connection {
    net::UniqueFd fd;
    std::uint32_t generation = 0;
    ConnectionRecord record;
    TimerLink timer;
    BufferPool::Buffer spill;             // a pool buffer, when the ring had none
    std::uint32_t head = 0;               // first byte of the buffer not yet echoed
    std::uint32_t tail = 0;               // one past the last byte received
    std::uint16_t buffer_id = kNoBuffer;  // provided buffer holding bytes to echo
    TagKind in_flight = TagKind::none;    // the one outstanding operation (in_flight_tag)
    Phase phase = Phase::serving;
    bool open = false;   // counted in live_ and the limiter; logged
    bool fixed = false;  // installed in the file table at its slot
    // The loop turn (mod 256) that armed the recv, and whether the last recv
    // had to wait for its data (it completed in a later turn than the one that
    // submitted it): then the next recv skips its first attempt
    // (IORING_RECVSEND_POLL_FIRST), which would find the socket empty again.
    std::uint8_t recv_turn = 0;
    bool recv_waited = false;
  };
  static_assert(sizeof(Connection) <= 96, "idle connections must stay under 100 bytes");

  io_uring_sqe* next_sqe();
  void submit_and_wait();
  // Handles every completion that is ready; with dispatch = false only counts
  // them (the ring is being emptied at exit).
  void reap_completions(bool dispatch);
  void cancel_everything();
  void handle_completion(std::uint64_t user_data, int result, std::uint32_t flags);

  void arm_wake();
  void arm_latch();
  void arm_accept(std::uint32_t listener);
  void handle_accept(const Tag& tag, int result, std::uint32_t flags);
  void handle_wake(int result);
  void admit(net::UniqueFd fd);
  void add_connection(net::UniqueFd fd);
  // The file table: install_file puts the slot's descriptor at index = slot (if
  // the table has room; otherwise its SQEs name the descriptor itself);
  // remove_file empties that entry, so that closing the descriptor closes the
  // socket. target_file makes a prepared SQE name the slot's table entry.
  void install_file(std::uint32_t slot);
  void remove_file(std::uint32_t slot);
  void target_file(io_uring_sqe* sqe, std::uint32_t slot) const;

  // The user_data of the slot's outstanding operation, or 0 if none.
  std::uint64_t in_flight_tag(std::uint32_t slot) const;
  // Makes kind the slot's outstanding operation and tags sqe with it.
  void tag_operation(io_uring_sqe* sqe, std::uint32_t slot, TagKind kind);

  void start_recv(std::uint32_t slot);
  void start_send(std::uint32_t slot);
  // A POLLIN poll without a buffer: readable (the ring was empty) or discard
  // (input after our FIN during the drain).
  void start_poll(std::uint32_t slot, TagKind kind);
  void handle_readable(std::uint32_t slot);
  void handle_recv(std::uint32_t slot, int result, std::uint32_t flags);
  void handle_send(std::uint32_t slot, int result);
  void handle_discard(std::uint32_t slot);
  void finish_flush(std::uint32_t slot);
  void recycle_buffer(std::uint16_t id);
  void release_buffer(Connection& c);
  void cancel(std::uint64_t tag);

  void close_connection(std::uint32_t slot, CloseReason reason, int error = 0);
  void release_slot(std::uint32_t slot);
  void wait_in(std::uint32_t slot, TimerList* list, bool progressed);

  void begin_drain();
  void expire_timers();
  void start_final_flush();
  std::optional<Clock::time_point> next_deadline() const;
  void set_accepting();

  ServerContext& context_;
  const ServerConfig& config_;
  // Operations submitted whose last completion has not been seen yet.
  std::size_t ops_in_flight_ = 0;
  std::vector<int> listeners_;
  // Per listener: whether its multishot accept is armed, and the generation
  // its tag carries, so the end of a cancelled one is told from the current one.
  struct AcceptState {
    bool armed = false;
    std::uint32_t generation = 0;
  };
  std::vector<AcceptState> accepts_;
  net::UniqueFd wake_fd_;
  std::uint64_t wake_count_ = 0;  // the wake read's target

  Ring ring_;
  BufferRing buffers_;  // declared after ring_: unregistered before the ring goes
  // Buffers for connections that find the ring empty (see handle_readable).
  BufferPool spill_pool_;
  // Entries in the ring's (sparse) file table; 0 if it could not be registered.
  std::uint32_t file_table_size_ = 0;

  SlotTable<Connection> slots_;
  std::size_t live_ = 0;
  // Accepted while at --max-connections (the multishot accept had more in
  // flight than the limit allowed): held unserved, admitted when a slot frees.
  std::deque<net::UniqueFd> parked_;

  TimerList idle_list_;
  TimerList write_list_;
  TimerList closing_list_;

  Clock::time_point now_;
  std::uint8_t turn_ = 0;  // counts loop turns, wrapping (Connection::recv_turn)
  bool at_limit_ = false;
  // IORING_RECVSEND_POLL_FIRST (Linux 5.19); turned off if the kernel refuses it.
  bool poll_first_ = true;
  Clock::time_point backoff_until_{};
  bool draining_ = false;
  bool final_phase_ = false;
};

}  // namespace echo::uring
