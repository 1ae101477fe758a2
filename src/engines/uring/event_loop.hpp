// One io_uring event loop, run by one thread: a few single-shot accepts per
// listener, each holding a --max-connections slot taken before it was armed (so
// the loop never holds a socket past the limit), one single-shot recv (buffer
// chosen by the kernel from a provided buffer ring) or one send in flight per
// connection -- or, for a bulk stream, a poll, the loop moving its bytes by
// splice(2) itself -- and the shared policy of core/loop_core.hpp. SQEs are prepared
// during a turn and submitted together with the wait for the next completions
// (submissions.hpp), so a turn costs one io_uring_enter; each connection's
// socket sits in the ring's file table (file_table.hpp).
//
// The files: event_loop.cpp (set-up, the turn, dispatch, exit), accepts.cpp
// (the accept side), connections.cpp (a connection's state machine over the
// shared echo state, core/echo_stream.hpp).
//
// Needs Linux 5.19 or later; see engines/uring/ring.hpp. Try it:
// `echo-server --engine uring` and `nc 127.0.0.1 7878`.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/buffer_pool.hpp"
#include "core/connection_record.hpp"
#include "core/echo_stream.hpp"
#include "core/listeners.hpp"
#include "core/loop_core.hpp"
#include "core/pipe_pool.hpp"
#include "core/server_context.hpp"
#include "core/timer_list.hpp"
#include "engines/uring/buffer_ring.hpp"
#include "engines/uring/file_table.hpp"
#include "engines/uring/parking.hpp"
#include "engines/uring/ring.hpp"
#include "engines/uring/submissions.hpp"
#include "engines/uring/tags.hpp"
#include "net/address.hpp"
#include "net/unique_fd.hpp"

namespace echo::uring {

class EventLoop {
 public:
  // listeners are borrowed: ServerContext owns them (shared or not, the
  // kernel wakes one accept per connection). Creates the ring (disabled until
  // run() binds it to its thread) and its buffer ring, and logs the ring's
  // mode once per process; throws std::runtime_error if the kernel refuses.
  EventLoop(ServerContext& context, const std::vector<Listener>& listeners, bool shared_listener);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  void run();
  // How the ring runs completion work (Ring::mode_name), for the start-up log.
  const char* ring_mode() const noexcept { return ring_.mode_name(); }
  // Thread-safe: makes run() look at the connection limit again.
  void wake() const noexcept;

 private:
  // One per slot, for every connection the loop holds, so its size is most of
  // the server's memory per idle connection: ordered to leave no padding.
  struct Connection {
    net::UniqueFd fd;
    std::uint16_t generation = 0;
    TagKind in_flight = TagKind::none;  // the one outstanding operation (in_flight_tag)
    Phase phase = Phase::closed;        // closed: waiting for in_flight's completion
    EchoStream stream;
    ConnectionRecord record;
    TimerLink timer;
    std::uint16_t listener = 0;  // its index in listeners_ (LoopCore::open)
    // The loop turn (mod 256) that armed the recv, and whether the last recv
    // had to wait for its data (it completed in a later turn than the one that
    // submitted it): then the next recv skips its first attempt
    // (IORING_RECVSEND_POLL_FIRST), which would find the socket empty again.
    std::uint8_t recv_turn = 0;
    bool recv_waited : 1 = false;
    bool fixed : 1 = false;  // in the ring's file table, at its slot (FileTable)
    // O_NONBLOCK set: the first time the loop pumped it as a bulk stream
    // (connections.cpp), which needs splice(2) never to block.
    bool nonblocking : 1 = false;
    // Parking (parking.hpp): seen waiting on its recv by the last sweep; its
    // recv cancelled to park it; waiting in the epoll set, nothing in flight.
    bool park_mark : 1 = false;
    bool parking : 1 = false;
    bool parked : 1 = false;
    // Parking asked the ring for a descriptor and the descriptor limit refused
    // it: this connection waits in the ring from now on (else a sweep would
    // try again at every pass, and at threshold 0 spin).
    bool unparkable : 1 = false;
  };
  static_assert(sizeof(Connection) <= 96, "idle connections must stay under 100 bytes");

  // Accepts in flight per listener per loop: each holds a limiter slot.
  static constexpr unsigned kAcceptsPerListener = 4;
  struct AcceptState {
    enum class Armed : std::uint8_t { no, yes, cancelling };
    std::uint32_t listener = 0;
    std::uint32_t generation = 0;  // tells the current accept's completion from a stale one
    // The connection slot it will fill, reserved when armed: a direct accept
    // puts the socket in the file table at that entry.
    std::uint32_t slot = 0;
    bool direct = false;  // a direct accept (else it returns a descriptor)
    Armed armed = Armed::no;
  };
  // Memory the kernel writes into while operations are in flight. Kept apart so
  // that an exit whose cancels did not all come back can leave it allocated.
  struct KernelMemory {
    explicit KernelMemory(std::size_t accepts, std::size_t buffer_bytes)
        : accept_peers(accepts), spill(buffer_bytes) {}
    std::uint64_t wake_count = 0;            // the wake read's target
    std::vector<net::Address> accept_peers;  // each accept's peer address
    BufferPool spill;                        // buffers for recvs when the ring is empty
  };

  // event_loop.cpp
  void handle_completion(std::uint64_t user_data, int result, std::uint32_t flags);
  void arm_wake();
  void arm_latch();
  void handle_wake(int result);
  void exit_loop();

  // accepts.cpp
  void set_accepting();
  void arm_accept(std::uint32_t index);
  void handle_accept(const Tag& tag, int result);
  // fd: the accepted descriptor, or none when the accept put the socket in the
  // file table (direct) at entry slot, reserved for it when it was armed.
  void add_connection(net::UniqueFd fd, std::uint32_t slot, const net::Address& peer,
                      std::uint16_t listener);

  // connections.cpp
  std::uint64_t in_flight_tag(std::uint32_t slot) const;
  io_uring_sqe* prepare(std::uint32_t slot, TagKind kind);
  void handle_preamble_recv(std::uint32_t slot, int result, std::uint32_t flags);
  void start_recv(std::uint32_t slot);
  void start_send(std::uint32_t slot);
  // A POLLIN poll without a buffer: readable (the ring was empty) or discard
  // (input after our FIN during the drain).
  void start_poll(std::uint32_t slot, TagKind kind);
  void handle_connection(const Tag& tag, int result, std::uint32_t flags);
  void handle_readable(std::uint32_t slot);
  void handle_recv(std::uint32_t slot, int result, std::uint32_t flags);
  void handle_send(std::uint32_t slot, int result);
  void handle_discard(std::uint32_t slot);
  // The bulk path: a stream whose recvs keep filling the buffer is pumped by
  // the loop on readiness, with splice(2) through a pipe from pipes_.
  bool wants_pump(const Connection& c) const noexcept;
  void pump(std::uint32_t slot);
  void handle_ready(std::uint32_t slot);
  void start_ready_poll(std::uint32_t slot, unsigned events);
  // A direct connection (no descriptor yet) asks the ring for one when the
  // loop must make a system call on it itself; the completion resumes what
  // wanted it (the pump, parking, or the drain's finish_flush).
  void ask_descriptor(std::uint32_t slot);
  void handle_descriptor(std::uint32_t slot, int result);
  void finish_flush(std::uint32_t slot);
  void flush_for_shutdown(std::uint32_t slot);
  void cancel(std::uint64_t tag);
  void close_connection(std::uint32_t slot, CloseReason reason, int error = 0);
  void release_slot(std::uint32_t slot);
  // direct: closes a socket that lives only in the file table.
  void close_file(std::uint32_t index);
  BufferPool& spill() noexcept { return kernel_->spill; }

  // parking.cpp
  void sweep_parking();
  // The recv that sweep_parking cancelled has reported -ECANCELED.
  void park(std::uint32_t slot);
  // Out of the epoll set (close: the socket is about to go, which does that).
  void leave_parking(std::uint32_t slot, bool close);
  void arm_parking_poll();
  void handle_parking_poll(int result);

  ServerContext& context_;
  const ServerConfig& config_;
  const std::vector<Listener>& listeners_;
  std::vector<AcceptState> accepts_;
  std::size_t accepts_idle_ = 0;   // accepts_ not armed
  std::size_t accepts_armed_ = 0;  // accepts_ armed and not being cancelled
  // Blocking on purpose: io_uring waits on it like on a socket, whereas a
  // read of a non-blocking file may complete at once with -EAGAIN.
  net::UniqueFd wake_fd_;

  Ring ring_;
  Submissions submissions_{ring_};
  BufferRing buffers_;  // declared after ring_: unregistered before the ring goes
  FileTable files_;
  std::unique_ptr<KernelMemory> kernel_;
  PipePool pipes_;  // the bulk path's pipes (--splice-pipes per loop)
  ParkingLot parking_;

  LoopCore<Connection> core_;
  std::uint8_t turn_ = 0;  // counts loop turns, wrapping (Connection::recv_turn)
  // IORING_RECVSEND_POLL_FIRST (Linux 5.19); turned off if the kernel refuses it.
  bool poll_first_ = true;
};

}  // namespace echo::uring
