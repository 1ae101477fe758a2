// A uring connection's state machine. The echo state is core's EchoStream,
// driven by its completion calls: a recv is armed only while may_receive()
// (nothing held: the per-connection bound), lands in a buffer the kernel picks
// (received_provided) or, when the ring is empty, in a pool buffer
// (receive_buffer/received); unsent()/sent() drive one send at a time, a short
// send resubmitting the rest, so bytes are never reordered; settle() gives the
// buffer back, so an idle connection holds none.
//
// A bulk stream -- two recvs in a row that filled the whole buffer -- leaves
// the ring's recv and send for the readiness path the epoll engine takes: a
// poll, then EchoStream::pump with splice(2) through a pipe (socket -> pipe ->
// socket, no copy through user space, at most --buffer-size held), and back
// to recvs when its messages turn small. io_uring's own IORING_OP_SPLICE is
// no substitute: the kernel runs every one of those in an io-wq worker thread.
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>

#include "core/log.hpp"
#include "engines/uring/event_loop.hpp"
#include "net/socket_io.hpp"

namespace echo::uring {

namespace {

ProvidedBuffers::Id buffer_of(std::uint32_t flags) {
  return static_cast<ProvidedBuffers::Id>(flags >> IORING_CQE_BUFFER_SHIFT);
}

}  // namespace

std::uint64_t EventLoop::in_flight_tag(std::uint32_t slot) const {
  const Connection& c = const_cast<LoopCore<Connection>&>(core_)[slot];
  return c.in_flight == TagKind::none ? 0 : make_tag(c.in_flight, slot, c.generation);
}

io_uring_sqe* EventLoop::prepare(std::uint32_t slot, TagKind kind) {
  Connection& c = core_[slot];
  io_uring_sqe* sqe = submissions_.next();
  c.in_flight = kind;
  // A new operation: not waiting on the recv a sweep saw, nor being parked.
  c.park_mark = false;
  c.parking = false;
  io_uring_sqe_set_data64(sqe, make_tag(kind, slot, c.generation));
  return sqe;
}

void EventLoop::start_recv(std::uint32_t slot) {
  Connection& c = core_[slot];
  io_uring_sqe* sqe = prepare(slot, TagKind::recv);
  io_uring_prep_recv(sqe, c.fd.get(), nullptr, buffers_.buffer_bytes(), 0);
  if (c.fixed) FileTable::target(sqe, slot);
  // With many connections a client's next message comes long after its echo:
  // without the flag the kernel first tries the recv, fails, and only then arms
  // its poll. With few, the next message is often there already; then a poll
  // first would cost a wake-up. The connection's last recv tells which.
  if (c.recv_waited && poll_first_) sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
  c.recv_turn = turn_;
  parking_.recv_armed();
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = buffers_.group_id();
}

void EventLoop::start_send(std::uint32_t slot) {
  Connection& c = core_[slot];
  const auto bytes = c.stream.unsent(spill(), &buffers_);
  io_uring_sqe* sqe = prepare(slot, TagKind::send);
  io_uring_prep_send(sqe, c.fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
  if (c.fixed) FileTable::target(sqe, slot);
}

void EventLoop::start_poll(std::uint32_t slot, TagKind kind) {
  Connection& c = core_[slot];
  io_uring_sqe* sqe = prepare(slot, kind);
  io_uring_prep_poll_add(sqe, c.fd.get(), POLLIN);
  if (c.fixed) FileTable::target(sqe, slot);
}

void EventLoop::handle_connection(const Tag& tag, int result, std::uint32_t flags) {
  if (flags & IORING_CQE_F_BUFFER) buffers_.note_taken();
  if (!core_.slots().contains(tag.slot) ||
      in_flight_tag(tag.slot) != make_tag(tag.kind, tag.slot, tag.generation)) {
    // Not the operation this slot waits for: never expected, since a slot is
    // reused only after its last completion. A buffer it carries still goes back.
    if (flags & IORING_CQE_F_BUFFER) buffers_.give_back(buffer_of(flags));
    return;
  }
  Connection& c = core_[tag.slot];
  c.in_flight = TagKind::none;
  // A descriptor asked for is the connection's now, whatever comes next (a
  // close in the meantime closes it with the rest).
  if (tag.kind == TagKind::install && result >= 0) c.fd = net::UniqueFd(result);
  if (c.phase == Phase::closed) {
    // Closed while this was in flight (a timeout, the drain): it was cancelled
    // or raced the cancel; either way the slot is free now.
    if (flags & IORING_CQE_F_BUFFER) buffers_.give_back(buffer_of(flags));
    release_slot(tag.slot);
    return;
  }
  switch (tag.kind) {
    case TagKind::recv:
      handle_recv(tag.slot, result, flags);
      return;
    case TagKind::send:
      handle_send(tag.slot, result);
      return;
    case TagKind::readable:
      handle_readable(tag.slot);
      return;
    case TagKind::ready:
      handle_ready(tag.slot);
      return;
    case TagKind::install:
      handle_descriptor(tag.slot, result);
      return;
    default:
      handle_discard(tag.slot);
      return;
  }
}

void EventLoop::handle_readable(std::uint32_t slot) {
  Connection& c = core_[slot];
  if (c.phase != Phase::serving && c.phase != Phase::preamble) {
    finish_flush(slot);
    return;
  }
  if (buffers_.available() > 0) {
    start_recv(slot);
    return;
  }
  // Every ring buffer is held by a connection whose echo is pending (its
  // client may not be reading at all). Rather than wait for one of those,
  // this connection borrows a pool buffer for one recv, exactly as the epoll
  // engine would: still at most --buffer-size held per connection, and the
  // recv completes at once because input is waiting.
  const auto into = c.stream.receive_buffer(spill());
  io_uring_sqe* sqe = prepare(slot, TagKind::recv);
  io_uring_prep_recv(sqe, c.fd.get(), into.data(), into.size(), 0);
  if (c.fixed) FileTable::target(sqe, slot);
  c.recv_turn = turn_;
}

// A PROXY listener's connection reads its header with the same recvs as the
// echo (a provided buffer, or a pool buffer when the ring is empty), so while
// it waits for the header it holds no buffer. The bytes after the header stay
// in that buffer, to be echoed as if a recv had just brought them.
void EventLoop::handle_preamble_recv(std::uint32_t slot, int result, std::uint32_t flags) {
  Connection& c = core_[slot];
  const bool provided = (flags & IORING_CQE_F_BUFFER) != 0;
  const auto give_back = [&] {
    if (provided) buffers_.give_back(buffer_of(flags));
    c.stream.settle(spill());
  };
  if (result <= 0) {
    give_back();
    if (result == -ENOBUFS) {
      buffers_.note_exhausted();
      start_poll(slot, TagKind::readable);
    } else if (result == -EINTR || result == -EAGAIN) {
      start_recv(slot);
    } else if (result == -EINVAL && c.recv_waited && poll_first_) {
      poll_first_ = false;  // a kernel before 5.19: plain recvs from now on
      start_recv(slot);
    } else if (result == 0) {
      close_connection(slot, CloseReason::eof);
    } else {
      close_connection(slot, reason_for_error(-result), -result);
    }
    return;
  }
  c.recv_waited = static_cast<std::uint8_t>(turn_ - c.recv_turn) > 1;
  std::byte* data =
      provided ? buffers_.data(buffer_of(flags)) : c.stream.receive_buffer(spill()).data();
  const ProxyPreamble::Step step =
      core_.take_preamble(slot, {data, static_cast<std::size_t>(result)});
  if (step.status == ProxyPreamble::Status::refused) {
    give_back();
    close_connection(slot, CloseReason::proxy_invalid);
    return;
  }
  if (step.status == ProxyPreamble::Status::need_more || step.leftover == 0) {
    give_back();  // all of it was header
    start_recv(slot);
    return;
  }
  if (provided) {
    c.stream.received_provided(buffer_of(flags), step.leftover);
  } else {
    c.stream.received(step.leftover);
  }
  c.record.add_in(step.leftover);
  core_.wait(slot, Wait::output, true);
  start_send(slot);
}

void EventLoop::handle_recv(std::uint32_t slot, int result, std::uint32_t flags) {
  Connection& c = core_[slot];
  if (c.phase == Phase::preamble) {
    handle_preamble_recv(slot, result, flags);
    return;
  }
  if (result > 0) {
    if (flags & IORING_CQE_F_BUFFER) {
      c.stream.received_provided(buffer_of(flags), static_cast<std::size_t>(result));
    } else {
      c.stream.received(static_cast<std::size_t>(result));
    }
    // Prepared in turn N, submitted at the start of N + 1: completing then means
    // the data was already there.
    c.recv_waited = static_cast<std::uint8_t>(turn_ - c.recv_turn) > 1;
    c.stream.count_read(static_cast<std::size_t>(result), buffers_.buffer_bytes());
    c.record.add_in(static_cast<std::uint64_t>(result));
    c.record.trace_io(static_cast<std::uint64_t>(result), 0, "recv");
    // Past the drain deadline the connection stays under the closing timer.
    if (c.phase == Phase::serving) core_.wait(slot, Wait::output, true);
    start_send(slot);
    return;
  }
  // Nothing arrived: a buffer the recv took goes back.
  if (flags & IORING_CQE_F_BUFFER) buffers_.give_back(buffer_of(flags));
  if (result == 0) c.stream.received(0);
  c.stream.settle(spill(), &buffers_);
  if (c.phase != Phase::serving) {
    // Past the drain deadline the recv was cancelled (or found EOF or no
    // buffer): nothing is held, so the FIN goes out now.
    if (result == 0 || result == -ECANCELED || result == -ENOBUFS) {
      finish_flush(slot);
    } else {
      close_connection(slot, reason_for_error(-result), -result);
    }
    return;
  }
  if (result == -ECANCELED && c.parking) {
    park(slot);  // a sweep found it idle (parking.cpp)
    return;
  }
  if (c.stream.finished()) {
    // The peer half-closed and everything it sent was echoed (a recv is only
    // armed while nothing is held). The close sends the FIN.
    close_connection(slot, CloseReason::eof);
    return;
  }
  if (result == -ENOBUFS) {
    // The ring is empty. Wait for input without a buffer, then decide
    // (handle_readable); the idle timeout keeps running meanwhile.
    buffers_.note_exhausted();
    start_poll(slot, TagKind::readable);
    return;
  }
  if (result == -EINTR || result == -EAGAIN) {
    start_recv(slot);
    return;
  }
  if (result == -EINVAL && c.recv_waited && poll_first_) {
    poll_first_ = false;  // a kernel before 5.19: plain recvs from now on
    start_recv(slot);
    return;
  }
  close_connection(slot, reason_for_error(-result), -result);
}

void EventLoop::handle_send(std::uint32_t slot, int result) {
  Connection& c = core_[slot];
  if (result <= 0) {
    if (result == -EINTR || result == -EAGAIN) {
      start_send(slot);
      return;
    }
    const int error = result == 0 ? EPIPE : -result;
    close_connection(slot, reason_for_error(error), error);
    return;
  }
  c.record.trace_io(0, static_cast<std::uint64_t>(result), "send");
  const bool serving = c.phase == Phase::serving;
  if (!c.stream.sent(static_cast<std::size_t>(result))) {
    // A short send: the rest goes next, after nothing else of this connection.
    core_.wait(slot, serving ? Wait::output : Wait::closing, serving);
    start_send(slot);
    return;
  }
  c.stream.settle(spill(), &buffers_);
  if (!serving) {
    finish_flush(slot);
    return;
  }
  core_.wait(slot, Wait::input, true);
  if (wants_pump(c)) {
    pump(slot);  // input is likely waiting already: no poll first
    return;
  }
  start_recv(slot);
}

bool EventLoop::wants_pump(const Connection& c) const noexcept {
  return pipes_.enabled() && c.stream.streaming();
}

void EventLoop::pump(std::uint32_t slot) {
  Connection& c = core_[slot];
  if (!c.fd) {
    ask_descriptor(slot);  // then pumps
    return;
  }
  if (!c.nonblocking) {
    // A splice into a blocking socket whose peer stops reading would stall the loop.
    int on = 1;
    if (::ioctl(c.fd.get(), FIONBIO, &on) != 0) {
      start_recv(slot);  // stays on the ring's recvs and sends
      return;
    }
    c.nonblocking = true;
  }
  net::SocketIo io{c.fd.get()};
  const PumpResult result =
      c.stream.pump(io, spill(), LoopCore<Connection>::kTurnBudgetBytes, &pipes_);
  c.record.add_in(result.bytes_read);
  c.record.trace_io(result.bytes_read, result.bytes_written, to_string(result.state));
  switch (result.state) {
    case PumpState::finished:
      close_connection(slot, CloseReason::eof);  // the close sends the FIN
      return;
    case PumpState::failed:
      close_connection(slot, reason_for_error(result.error), result.error);
      return;
    case PumpState::want_write:
      core_.wait(slot, Wait::output, result.progressed());
      start_ready_poll(slot, POLLOUT);
      return;
    case PumpState::more:
      // Its turn's budget is spent: the poll completes at once in the next
      // turn, after the other connections' completions.
      core_.wait(slot, Wait::input, true);
      start_ready_poll(slot, POLLIN);
      return;
    case PumpState::want_read:
      core_.wait(slot, Wait::input, result.progressed());
      if (!c.stream.streaming()) {
        // Small messages again: the ring's recvs are cheaper.
        start_recv(slot);
        return;
      }
      start_ready_poll(slot, POLLIN);
      return;
  }
}

void EventLoop::start_ready_poll(std::uint32_t slot, unsigned events) {
  Connection& c = core_[slot];
  io_uring_sqe* sqe = prepare(slot, TagKind::ready);
  io_uring_prep_poll_add(sqe, c.fd.get(), events);
  if (c.fixed) FileTable::target(sqe, slot);
}

void EventLoop::handle_ready(std::uint32_t slot) {
  Connection& c = core_[slot];
  if (c.phase == Phase::serving) {
    pump(slot);
    return;
  }
  // The drain's final flush (a cancelled poll lands here too): echo what the
  // pipe holds, then the FIN.
  net::SocketIo io{c.fd.get()};
  const PumpResult result = c.stream.pump(io, spill(), 0, &pipes_);
  if (result.state == PumpState::want_write) {
    start_ready_poll(slot, POLLOUT);
    return;
  }
  if (result.state == PumpState::failed) {
    close_connection(slot, reason_for_error(result.error), result.error);
    return;
  }
  finish_flush(slot);
}

void EventLoop::handle_discard(std::uint32_t slot) {
  for (;;) {
    const ssize_t n = net::discard_input(core_[slot].fd.get());
    if (n > 0) continue;
    if (n == -EAGAIN || n == -EINTR) {
      start_poll(slot, TagKind::discard);
      return;
    }
    close_connection(slot, CloseReason::shutdown);
    return;
  }
}

void EventLoop::finish_flush(std::uint32_t slot) {
  Connection& c = core_[slot];
  if (!c.fd) {
    ask_descriptor(slot);  // then comes back here
    return;
  }
  ::shutdown(c.fd.get(), SHUT_WR);
  c.phase = Phase::fin_sent;
  handle_discard(slot);
}

void EventLoop::ask_descriptor(std::uint32_t slot) {
  io_uring_sqe* sqe = prepare(slot, TagKind::install);
  FileTable::prepare_descriptor(sqe, slot);
  io_uring_sqe_set_data64(sqe, in_flight_tag(slot));
}

void EventLoop::handle_descriptor(std::uint32_t slot, int result) {
  Connection& c = core_[slot];
  if (result < 0) {
    if (c.parking && c.phase == Phase::serving) {
      c.parking = false;  // no descriptor to park with (EMFILE): it waits in the ring
      c.unparkable = true;
      start_recv(slot);
      return;
    }
    close_connection(slot, CloseReason::error, -result);
    return;
  }
  // (handle_connection has adopted the descriptor.) What wanted it goes on.
  if (c.phase != Phase::serving) {
    finish_flush(slot);
  } else if (c.parking) {
    park(slot);
  } else {
    pump(slot);
  }
}

void EventLoop::flush_for_shutdown(std::uint32_t slot) {
  leave_parking(slot, false);
  Connection& c = core_[slot];
  // Its send's completion (pumped: its POLLOUT poll's) sends the FIN.
  if (c.stream.pending_bytes() > 0) return;
  if (c.in_flight != TagKind::none) {
    cancel(in_flight_tag(slot));  // the idle recv or poll; its completion sends the FIN
    return;
  }
  finish_flush(slot);
}

void EventLoop::cancel(std::uint64_t tag) {
  io_uring_sqe* sqe = submissions_.next();
  io_uring_prep_cancel64(sqe, tag, 0);
  io_uring_sqe_set_data64(sqe, make_tag(TagKind::cancel, 0));
}

void EventLoop::close_connection(std::uint32_t slot, CloseReason reason, int error) {
  leave_parking(slot, true);
  core_.close(slot, reason, error);
  if (core_[slot].in_flight != TagKind::none) {
    // The slot (and the buffer a send reads from) stays reserved until the
    // operation's completion says the kernel is done with it.
    cancel(in_flight_tag(slot));
    return;
  }
  release_slot(slot);
}

void EventLoop::close_file(std::uint32_t index) {
  // With the next submission; nothing names the entry after this, and the
  // kernel hands it out again only once it is closed.
  io_uring_sqe* sqe = submissions_.next();
  io_uring_prep_close_direct(sqe, index);
  io_uring_sqe_set_data64(sqe, make_tag(TagKind::cancel, 0));
}

void EventLoop::release_slot(std::uint32_t slot) {
  Connection& c = core_[slot];
  c.stream.release(spill(), &pipes_, &buffers_);
  c.stream = EchoStream{};
  if (c.fixed) {
    if (files_.mode() == FileTable::Mode::direct) {
      // A descriptor installed for the bulk path is closed below; the socket
      // goes when both have.
      close_file(slot);
    } else {
      files_.remove(slot);  // before the close: the table holds the socket too
    }
  }
  c.fixed = false;
  c.fd.reset();
  c.record = ConnectionRecord{};
  c.generation = static_cast<std::uint16_t>(c.generation + 1);
  c.recv_waited = false;
  c.nonblocking = false;
  c.unparkable = false;
  core_.slots().release(slot);
}

}  // namespace echo::uring
