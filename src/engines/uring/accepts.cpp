// The uring loop's accept side. Accepts are single-shot, a few per listener,
// and each takes a --max-connections slot before it is armed: a multishot
// accept would hand over every connection in the backlog at once, past the
// limit, and those sockets would have to be held somewhere. The kernel fills
// in each client's address, so the admission step has it without a
// getpeername.
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
  io_uring_prep_accept(sqe, listeners_[accept.listener].fd.get(), peer.sa(), &peer.length,
                       SOCK_CLOEXEC);
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
    add_connection(net::UniqueFd(result), kernel_->accept_peers[tag.slot],
                   static_cast<std::uint16_t>(accept.listener));
    return;
  }
  context_.limiter.cancel();
  // Exhaustion backs off (the clients wait in the backlog); the drain's
  // shutdown(2) of the listener ends accepts with EINVAL.
  if (result != -ECANCELED) core_.accept_failed(-result);
}

void EventLoop::add_connection(net::UniqueFd fd, const net::Address& peer, std::uint16_t listener) {
  const std::optional<std::uint32_t> admitted = core_.open(std::move(fd), peer, listener);
  if (!admitted) return;  // refused: closed at once
  const std::uint32_t slot = *admitted;
  Connection& c = core_[slot];
  c.fixed = files_.install(slot, c.fd.get());
  if (core_.final_phase()) {
    // Accepted just before the listener closed, after the drain deadline.
    core_.begin_final_flush(slot);
    finish_flush(slot);
    return;
  }
  start_recv(slot);
}

}  // namespace echo::uring
