// One epoll event loop, run by one thread: it accepts from its listeners, owns
// its connections, and keeps their timeouts. Sockets are edge-triggered and
// registered once for both directions, so echoing a message costs no epoll_ctl.
#pragma once

#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include "core/buffer_pool.hpp"
#include "core/connection_record.hpp"
#include "core/echo_stream.hpp"
#include "core/pipe_pool.hpp"
#include "core/server_context.hpp"
#include "core/slot_table.hpp"
#include "core/timer_list.hpp"
#include "net/unique_fd.hpp"

namespace echo::epoll {

class EventLoop {
 public:
  // listeners are borrowed: ServerContext owns them. With one shared listener
  // (exclusive = true) EPOLLEXCLUSIVE wakes one loop per connection, not all.
  EventLoop(ServerContext& context, std::vector<int> listeners, bool exclusive);

  void run();
  // Thread-safe: makes run() look at the connection limit again.
  void wake() const noexcept;

 private:
  using Clock = std::chrono::steady_clock;

  enum class Phase : std::uint8_t {
    serving,
    final_flush,  // past the drain deadline: echo what is held, then FIN
    fin_sent,     // waiting for the peer to close, discarding what it sends
  };

  // Every idle connection costs one of these (96 bytes): keep it packed.
  struct Connection {
    net::UniqueFd fd;
    std::uint16_t generation = 0;  // enough to tell a stale event within one batch
    Phase phase = Phase::serving;
    EchoStream stream;
    ConnectionRecord record;
    TimerLink timer;
  };
  static_assert(sizeof(Connection) <= 96, "idle connections must stay under 100 bytes");

  void handle_event(const epoll_event& event);
  void accept_ready(int listen_fd);
  void add_connection(net::UniqueFd fd, const net::Address& peer);
  void service(std::uint32_t slot);
  void service_closing(std::uint32_t slot);
  void close_connection(std::uint32_t slot, CloseReason reason, int error = 0);
  void wait_in(std::uint32_t slot, TimerList* list, bool progressed);

  void begin_drain();
  void expire_timers();
  void start_final_flush();
  int next_timeout_ms() const;
  void set_accepting();

  ServerContext& context_;
  const ServerConfig& config_;
  std::vector<int> listeners_;
  bool exclusive_;
  net::UniqueFd epoll_fd_;
  net::UniqueFd wake_fd_;
  BufferPool pool_;
  PipePool pipes_;

  SlotTable<Connection> slots_;
  std::size_t live_ = 0;
  // Connections whose pump ran out of budget: served again next turn (edge
  // triggering will not report them again).
  std::vector<std::uint64_t> ready_;
  std::vector<std::uint64_t> ready_next_;

  TimerList idle_list_;
  TimerList write_list_;
  TimerList closing_list_;

  Clock::time_point now_;
  bool listening_ = false;
  bool at_limit_ = false;
  Clock::time_point backoff_until_{};
  bool draining_ = false;
  bool final_phase_ = false;
};

}  // namespace echo::epoll
