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
#include "core/listeners.hpp"
#include "core/loop_core.hpp"
#include "core/pipe_pool.hpp"
#include "core/server_context.hpp"
#include "core/timer_list.hpp"
#include "net/unique_fd.hpp"

namespace echo::epoll {

class EventLoop {
 public:
  // listeners are borrowed: ServerContext owns them. With one shared listener
  // (exclusive = true) EPOLLEXCLUSIVE wakes one loop per connection, not all.
  EventLoop(ServerContext& context, const std::vector<Listener>& listeners, bool exclusive);

  void run();
  // Thread-safe: makes run() look at the connection limit again.
  void wake() const noexcept;

 private:
  // Every idle connection costs one of these (88 bytes): keep it packed.
  struct Connection {
    net::UniqueFd fd;
    std::uint16_t generation = 0;  // enough to tell a stale event within one batch
    std::uint16_t listener = 0;    // its index in listeners_ (LoopCore::open)
    Phase phase = Phase::closed;
    EchoStream stream;
    ConnectionRecord record;
    TimerLink timer;
  };
  static_assert(sizeof(Connection) <= 96, "idle connections must stay under 100 bytes");

  void handle_event(const epoll_event& event);
  void accept_ready(std::uint16_t listener);
  void add_connection(net::UniqueFd fd, const net::Address& peer, std::uint16_t listener);
  void service(std::uint32_t slot);
  // A connection reading its PROXY header: true once it is serving.
  bool serve_preamble(std::uint32_t slot);
  void service_closing(std::uint32_t slot);
  void close_connection(std::uint32_t slot, CloseReason reason, int error = 0);
  void begin_drain();
  void set_accepting();
  // epoll_ctl, with a failure logged (and returned as -errno).
  int control(int op, int fd, epoll_event* event);

  ServerContext& context_;
  const ServerConfig& config_;
  const std::vector<Listener>& listeners_;
  bool exclusive_;
  net::UniqueFd epoll_fd_;
  net::UniqueFd wake_fd_;
  BufferPool pool_;
  PipePool pipes_;
  LoopCore<Connection> core_;
  // Connections whose pump ran out of budget: served again next turn (edge
  // triggering will not report them again).
  std::vector<std::uint64_t> ready_;
  std::vector<std::uint64_t> ready_next_;
  bool listening_ = false;
};

}  // namespace echo::epoll
