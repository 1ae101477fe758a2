// The uring loop's accept side. Accepts are single-shot, a few per listener,
// and each takes a --max-connections slot before it is armed: a multishot
// accept would hand over every connection in the backlog at once, past the
// limit, and those sockets would have to be held somewhere. The kernel fills
// in each client's address, so the admission step has it without a
// getpeername. Each accept also reserves the connection slot it will fill, so
// a direct accept (FileTable) can put the socket at that entry of the file
// table: the connection then needs no descriptor and no io_uring_register.
#include <cerrno>

#include "core/accept_policy.hpp"
#include "engines/uring/event_loop.hpp"

namespace echo::uring {

void EventLoop::set_accepting() {
  const bool wanted = core_.accepting_wanted();
  // Called every turn: most turns have nothing to change.
  if (wanted ? accepts_idle_ == 0 : accepts_armed_ == 0) return;
  for (std::uint32_t i = 0; i < accepts_.size(); ++i) {
    AcceptState& accept = accepts_[i];
    if (wanted && accept.armed == AcceptState::Armed::no) {
      if (!context_.limiter.try_acquire()) {
        core_.hit_limit();  // the failed acquire armed our waker
        return;
      }
      arm_accept(i);
    } else if (!wanted && accept.armed == AcceptState::Armed::yes) {
      // Its completion (-ECANCELED, or a connection that raced the cancel)
      // gives the slot back or uses it.
      cancel(make_tag(TagKind::accept, i, accept.generation));
      accept.armed = AcceptState::Armed::cancelling;
      --accepts_armed_;
    }
  }
}

void EventLoop::arm_accept(std::uint32_t index) {
  AcceptState& accept = accepts_[index];
  net::Address& peer = kernel_->accept_peers[index];
  peer.length = sizeof peer.storage;
  io_uring_sqe* sqe = submissions_.next();
  // Accepted sockets stay blocking: io_uring waits on them itself.
  const int listen_fd = listeners_[accept.listener].fd.get();
  accept.slot = core_.reserve_slot();
  accept.direct = files_.mode() == FileTable::Mode::direct && files_.holds(accept.slot);
  if (accept.direct) {
    // (No SOCK_CLOEXEC: a table entry is no descriptor, and the kernel refuses it.)
    io_uring_prep_accept_direct(sqe, listen_fd, peer.sa(), &peer.length, 0, accept.slot);
  } else {
    io_uring_prep_accept(sqe, listen_fd, peer.sa(), &peer.length, SOCK_CLOEXEC);
  }
  accept.generation = (accept.generation + 1) & kGenerationMask;
  accept.armed = AcceptState::Armed::yes;
  --accepts_idle_;
  ++accepts_armed_;
  io_uring_sqe_set_data64(sqe, make_tag(TagKind::accept, index, accept.generation));
}

void EventLoop::handle_accept(const Tag& tag, int result) {
  AcceptState& accept = accepts_.at(tag.slot);
  if (tag.generation != accept.generation) return;  // not the accept armed now: never expected
  if (accept.armed == AcceptState::Armed::yes) --accepts_armed_;
  accept.armed = AcceptState::Armed::no;
  ++accepts_idle_;
  if (result >= 0) {
    note_accept_succeeded();
    add_connection(accept.direct ? net::UniqueFd{} : net::UniqueFd(result), accept.slot,
                   kernel_->accept_peers[tag.slot], static_cast<std::uint16_t>(accept.listener));
    return;
  }
  core_.unreserve_slot(accept.slot);
  context_.limiter.cancel();
  // Exhaustion backs off (the clients wait in the backlog); the drain's
  // shutdown(2) of the listener ends accepts with EINVAL.
  if (result != -ECANCELED) core_.accept_failed(-result);
}

void EventLoop::add_connection(net::UniqueFd fd, std::uint32_t slot, const net::Address& peer,
                               std::uint16_t listener) {
  const bool direct = !fd;
  if (!core_.open(std::move(fd), peer, listener, slot)) {
    if (direct) close_file(slot);  // refused: closed at once
    return;
  }
  Connection& c = core_[slot];
  c.fixed = direct || files_.install(slot, c.fd.get());
  if (core_.final_phase()) {
    // Accepted just before the listener closed, after the drain deadline.
    if (c.phase == Phase::preamble) {
      close_connection(slot, CloseReason::shutdown);
      return;
    }
    core_.begin_final_flush(slot);
    finish_flush(slot);
    return;
  }
  start_recv(slot);  // a PROXY header too (handle_preamble_recv)
}

}  // namespace echo::uring
