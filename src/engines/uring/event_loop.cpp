#include "engines/uring/event_loop.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/accept_policy.hpp"
#include "core/connection_setup.hpp"
#include "core/log.hpp"
#include "net/socket_io.hpp"

namespace echo::uring {

namespace {

// Submission queue entries per ring; the completion queue is twice that, and
// the kernel keeps overflowing completions rather than dropping them.
constexpr unsigned kRingEntries = 1024;
// The provided buffers of one loop: about this many bytes, within these counts.
constexpr std::size_t kBufferRingBytes = 32 * 1024 * 1024;
constexpr unsigned kMinBuffers = 16;
constexpr unsigned kMaxBuffers = 4096;
// Buffers the kernel holds at least (see BufferRing): few, so they stay in cache.
constexpr unsigned kMinRingTarget = 8;
constexpr std::uint16_t kBufferGroup = 0;
// At exit, how long to wait for cancelled operations to report back.
constexpr auto kExitCancelWait = std::chrono::milliseconds(500);
// The kernel's bound on a file table (IORING_MAX_FIXED_FILES).
constexpr std::size_t kMaxFileTable = std::size_t{1} << 20;

unsigned buffer_count(std::size_t buffer_bytes) {
  const std::size_t wanted =
      std::clamp<std::size_t>(kBufferRingBytes / buffer_bytes, kMinBuffers, kMaxBuffers);
  return std::bit_floor(static_cast<unsigned>(wanted));  // buffer rings come in powers of two
}

// Entries for a loop's file table: room for every connection the limit allows
// plus as many closed ones still waiting for a cancelled operation to end, but
// no more than RLIMIT_NOFILE (the kernel refuses a larger table). A slot past
// the table just goes without a table entry.
std::uint32_t file_table_size(std::size_t max_connections) {
  std::size_t wanted = std::min(max_connections, kMaxFileTable / 2) * 2;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    wanted = std::min<std::size_t>(wanted, limit.rlim_cur);
  }
  return static_cast<std::uint32_t>(std::min(wanted, kMaxFileTable));
}

[[noreturn]] void fail_setup(const std::string& what, int error) {
  throw std::runtime_error("cannot use io_uring: " + what + ": " + std::strerror(error));
}

}  // namespace

EventLoop::EventLoop(ServerContext& context, std::vector<int> listeners)
    : context_(context),
      config_(context.config),
      listeners_(std::move(listeners)),
      accepts_(listeners_.size()),
      // Blocking on purpose: io_uring waits on it like on a socket, whereas a
      // read of a non-blocking file may complete at once with -EAGAIN.
      wake_fd_(::eventfd(0, EFD_CLOEXEC)),
      spill_pool_(config_.buffer_size_bytes),
      idle_list_(1, config_.idle_timeout),
      write_list_(2, config_.write_timeout),
      closing_list_(3, Shutdown::kFinalFlush) {
  if (!wake_fd_) fail_setup("eventfd", errno);
  if (const int result = ring_.init(kRingEntries, true); result < 0) {
    throw std::runtime_error("cannot use io_uring: " + describe_setup_failure(-result));
  }
  if (const int result =
          buffers_.init(ring_.get(), kBufferGroup, buffer_count(config_.buffer_size_bytes),
                        config_.buffer_size_bytes, kMinRingTarget);
      result < 0) {
    fail_setup("registering the buffer ring", -result);
  }
  // Sparse: every entry starts empty; add_connection fills them one by one.
  file_table_size_ = file_table_size(config_.max_connections);
  if (const int result = io_uring_register_files_sparse(ring_.get(), file_table_size_);
      result < 0) {
    // Not fatal: the connections' SQEs then name their descriptors.
    log::event(log::Level::warn, "uring-file-table-unavailable",
               {{"entries", file_table_size_}, {"error", std::strerror(-result)}});
    file_table_size_ = 0;
  }
  slots_.reserve(config_.max_connections);  // any loop may end up holding them all
}

void EventLoop::wake() const noexcept {
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(wake_fd_.get(), &one, sizeof one);
}

void EventLoop::run() {
  if (const int result = ring_.enable(); result < 0) {
    // Cannot happen after a successful init on a kernel that has SINGLE_ISSUER;
    // nothing is served by this loop if it does.
    log::event(log::Level::err, "uring-enable-failed", {{"error", std::strerror(-result)}});
    return;
  }
  now_ = Clock::now();
  arm_wake();
  arm_latch();
  set_accepting();
  for (;;) {
    if (!draining_ && context_.shutdown.draining()) begin_drain();
    if (draining_ && live_ == 0) break;

    buffers_.refill();
    submit_and_wait();
    ++turn_;
    now_ = Clock::now();
    reap_completions(true);
    expire_timers();
    set_accepting();
    log::flush();  // the turn's open/close lines in one write
  }
  parked_.clear();
  cancel_everything();
  log::event(log::Level::debug, "uring-buffers",
             {{"ring_target", buffers_.target()}, {"exhausted", buffers_.exhausted_count()}});
}

void EventLoop::reap_completions(bool dispatch) {
  unsigned head;
  unsigned seen = 0;
  io_uring_cqe* cqe;
  io_uring_for_each_cqe(ring_.get(), head, cqe) {
    if (!(cqe->flags & IORING_CQE_F_MORE) && cqe->user_data != LIBURING_UDATA_TIMEOUT)
      --ops_in_flight_;
    if (dispatch) handle_completion(cqe->user_data, cqe->res, cqe->flags);
    ++seen;
  }
  io_uring_cq_advance(ring_.get(), seen);
}

void EventLoop::cancel_everything() {
  // The kernel must be done with every buffer (and wake_count_) before this
  // loop's memory goes: cancel what is still armed and wait for the reports.
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL);
  io_uring_sqe_set_data64(sqe, make_tag(TagKind::cancel, 0));
  const auto give_up_at = Clock::now() + kExitCancelWait;
  while (ops_in_flight_ > 0 && Clock::now() < give_up_at) {
    const auto wait =
        std::chrono::duration_cast<std::chrono::nanoseconds>(give_up_at - Clock::now());
    __kernel_timespec timeout{};
    timeout.tv_sec = 0;
    timeout.tv_nsec = std::max<std::int64_t>(wait.count(), 0);
    io_uring_cqe* cqe = nullptr;
    io_uring_submit_and_wait_timeout(ring_.get(), &cqe, 1, &timeout, nullptr);
    reap_completions(false);
  }
}

io_uring_sqe* EventLoop::next_sqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(ring_.get());
  while (!sqe) {
    // The queue is full: hand what is prepared to the kernel and go on.
    io_uring_submit(ring_.get());
    sqe = io_uring_get_sqe(ring_.get());
  }
  ++ops_in_flight_;
  return sqe;
}

void EventLoop::submit_and_wait() {
  const auto deadline = next_deadline();
  if (!deadline) {
    io_uring_submit_and_wait(ring_.get(), 1);
    return;
  }
  const auto wait = std::max(*deadline - Clock::now(), Clock::duration::zero());
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(wait);
  __kernel_timespec timeout{};
  timeout.tv_sec = seconds.count();
  timeout.tv_nsec = std::chrono::duration_cast<std::chrono::nanoseconds>(wait - seconds).count();
  io_uring_cqe* cqe = nullptr;
  // -ETIME (a timer is due) and -EINTR are both just the end of this wait.
  io_uring_submit_and_wait_timeout(ring_.get(), &cqe, 1, &timeout, nullptr);
}

void EventLoop::handle_completion(std::uint64_t user_data, int result, std::uint32_t flags) {
  if (user_data == LIBURING_UDATA_TIMEOUT) return;  // liburing's own wait timeout on old kernels
  const Tag tag = decode_tag(user_data);
  switch (tag.kind) {
    case TagKind::accept:
      handle_accept(tag, result, flags);
      return;
    case TagKind::wake:
      handle_wake(result);
      return;
    case TagKind::latch:
      begin_drain();
      return;
    case TagKind::cancel:
    case TagKind::none:
      return;
    case TagKind::recv:
    case TagKind::send:
    case TagKind::readable:
    case TagKind::discard:
      break;
  }
  if (flags & IORING_CQE_F_BUFFER) buffers_.note_taken();
  if (!slots_.contains(tag.slot) || in_flight_tag(tag.slot) != user_data) {
    // Not the operation this slot waits for: never expected, since a slot is
    // reused only after its last completion. A buffer it carries still goes back.
    if (flags & IORING_CQE_F_BUFFER)
      recycle_buffer(static_cast<std::uint16_t>(flags >> IORING_CQE_BUFFER_SHIFT));
    return;
  }
  Connection& c = slots_[tag.slot];
  c.in_flight = TagKind::none;
  if (!c.open) {
    // Closed while this was in flight (a timeout, the drain): it was cancelled
    // or raced the cancel; either way the slot is free now.
    if (flags & IORING_CQE_F_BUFFER)
      recycle_buffer(static_cast<std::uint16_t>(flags >> IORING_CQE_BUFFER_SHIFT));
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
    default:
      handle_discard(tag.slot);
      return;
  }
}

void EventLoop::arm_wake() {
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_read(sqe, wake_fd_.get(), &wake_count_, sizeof wake_count_, 0);
  io_uring_sqe_set_data64(sqe, make_tag(TagKind::wake, 0));
}

void EventLoop::arm_latch() {
  // The latch stays readable once set, so one single-shot poll is enough.
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_poll_add(sqe, context_.shutdown.latch_fd(), POLLIN);
  io_uring_sqe_set_data64(sqe, make_tag(TagKind::latch, 0));
}

void EventLoop::arm_accept(std::uint32_t listener) {
  io_uring_sqe* sqe = next_sqe();
  // Accepted sockets stay blocking: io_uring waits on them itself.
  io_uring_prep_multishot_accept(sqe, listeners_[listener], nullptr, nullptr, SOCK_CLOEXEC);
  AcceptState& state = accepts_[listener];
  state.generation = (state.generation + 1) & kGenerationMask;
  state.armed = true;
  io_uring_sqe_set_data64(sqe, make_tag(TagKind::accept, listener, state.generation));
}

void EventLoop::handle_accept(const Tag& tag, int result, std::uint32_t flags) {
  // A multishot accept ends (no F_MORE) on an error or a cancel; only the
  // current generation's end means this listener is no longer armed.
  if (!(flags & IORING_CQE_F_MORE) && tag.generation == accepts_[tag.slot].generation) {
    accepts_[tag.slot].armed = false;
  }
  if (result >= 0) {
    note_accept_succeeded();
    admit(net::UniqueFd(result));
    return;
  }
  if (result == -ECANCELED) return;
  if (classify_accept_failure(-result) == AcceptFailure::exhausted) {
    // The pending clients wait in the backlog; set_accepting cancels any
    // accept still armed and re-arms after the back-off or the next close.
    backoff_until_ = now_ + kAcceptBackoff;
  }
}

void EventLoop::handle_wake(int result) {
  if (result == -ECANCELED) return;
  arm_wake();
  at_limit_ = false;  // a slot freed somewhere: try again
  while (!parked_.empty()) {
    if (!context_.limiter.try_acquire()) {
      at_limit_ = true;  // the failed acquire armed our waker again
      return;
    }
    net::UniqueFd fd = std::move(parked_.front());
    parked_.pop_front();
    add_connection(std::move(fd));
  }
}

void EventLoop::admit(net::UniqueFd fd) {
  if (!parked_.empty() || !context_.limiter.try_acquire()) {
    // At the limit: stop accepting (set_accepting cancels the multishot accept)
    // and keep this one, unserved, in accept order, until a slot frees.
    at_limit_ = true;
    parked_.push_back(std::move(fd));
    return;
  }
  add_connection(std::move(fd));
}

void EventLoop::add_connection(net::UniqueFd fd) {
  // The multishot accept returns no peer address: ask the socket.
  const net::Address peer = net::peer_address(fd.get()).value_or(net::Address{});
  if (context_.admission.admit(net::PeerAddress(peer)) != Refusal::none) {
    context_.limiter.cancel();  // a refused client never holds a slot; fd closes here
    return;
  }
  configure_connection(fd.get(), config_);
  const std::uint32_t slot = slots_.acquire();
  Connection& c = slots_[slot];
  c.fd = std::move(fd);
  install_file(slot);
  c.record = ConnectionRecord(peer);
  c.phase = Phase::serving;
  c.open = true;
  ++live_;
  wait_in(slot, &idle_list_, true);
  if (final_phase_) {
    // Accepted just before the listener closed, after the drain deadline.
    c.phase = Phase::final_flush;
    wait_in(slot, &closing_list_, true);
    finish_flush(slot);
    return;
  }
  start_recv(slot);
}

void EventLoop::install_file(std::uint32_t slot) {
  Connection& c = slots_[slot];
  c.fixed = false;
  if (slot >= file_table_size_) return;
  const int fd = c.fd.get();
  // Returns how many entries it updated: 1.
  c.fixed = io_uring_register_files_update(ring_.get(), slot, &fd, 1) == 1;
}

void EventLoop::remove_file(std::uint32_t slot) {
  Connection& c = slots_[slot];
  if (!c.fixed) return;
  c.fixed = false;
  // Called only once nothing of this connection is in flight (or prepared), so
  // no SQE can still find the entry; the table's reference to the socket goes
  // now, and closing the descriptor afterwards really closes it.
  const int empty = -1;
  if (const int result = io_uring_register_files_update(ring_.get(), slot, &empty, 1); result < 0) {
    log::event(log::Level::err, "uring-file-table-update-failed",
               {{"slot", slot}, {"error", std::strerror(-result)}});
  }
}

void EventLoop::target_file(io_uring_sqe* sqe, std::uint32_t slot) const {
  if (!slots_[slot].fixed) return;  // the SQE names the descriptor
  sqe->fd = static_cast<std::int32_t>(slot);
  sqe->flags |= IOSQE_FIXED_FILE;
}

std::uint64_t EventLoop::in_flight_tag(std::uint32_t slot) const {
  const Connection& c = slots_[slot];
  return c.in_flight == TagKind::none ? 0 : make_tag(c.in_flight, slot, c.generation);
}

void EventLoop::tag_operation(io_uring_sqe* sqe, std::uint32_t slot, TagKind kind) {
  slots_[slot].in_flight = kind;
  io_uring_sqe_set_data64(sqe, make_tag(kind, slot, slots_[slot].generation));
}

void EventLoop::start_recv(std::uint32_t slot) {
  Connection& c = slots_[slot];
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_recv(sqe, c.fd.get(), nullptr, buffers_.buffer_bytes(), 0);
  target_file(sqe, slot);
  // With many connections a client's next message comes long after its echo:
  // without the flag the kernel first tries the recv, fails, and only then arms
  // its poll. With few, the next message is often there already; then a poll
  // first would cost a wake-up. The connection's last recv tells which.
  if (c.recv_waited && poll_first_) sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
  c.recv_turn = turn_;
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = buffers_.group_id();
  tag_operation(sqe, slot, TagKind::recv);
}

void EventLoop::start_send(std::uint32_t slot) {
  Connection& c = slots_[slot];
  io_uring_sqe* sqe = next_sqe();
  std::byte* held = c.buffer_id != kNoBuffer ? buffers_.data(c.buffer_id) : c.spill.get();
  io_uring_prep_send(sqe, c.fd.get(), held + c.head, c.tail - c.head, MSG_NOSIGNAL);
  target_file(sqe, slot);
  tag_operation(sqe, slot, TagKind::send);
}

void EventLoop::start_poll(std::uint32_t slot, TagKind kind) {
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_poll_add(sqe, slots_[slot].fd.get(), POLLIN);
  target_file(sqe, slot);
  tag_operation(sqe, slot, kind);
}

void EventLoop::handle_readable(std::uint32_t slot) {
  Connection& c = slots_[slot];
  if (c.phase != Phase::serving) {
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
  c.spill = spill_pool_.take();
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_recv(sqe, c.fd.get(), c.spill.get(), spill_pool_.buffer_size(), 0);
  target_file(sqe, slot);
  c.recv_turn = turn_;
  tag_operation(sqe, slot, TagKind::recv);
}

void EventLoop::handle_recv(std::uint32_t slot, int result, std::uint32_t flags) {
  Connection& c = slots_[slot];
  if (result <= 0) release_buffer(c);  // a spill recv that got nothing
  if (result > 0) {
    if (flags & IORING_CQE_F_BUFFER)
      c.buffer_id = static_cast<std::uint16_t>(flags >> IORING_CQE_BUFFER_SHIFT);
    c.head = 0;
    c.tail = static_cast<std::uint32_t>(result);
    // Prepared in turn N, submitted at the start of N + 1: completing then means
    // the data was already there.
    c.recv_waited = static_cast<std::uint8_t>(turn_ - c.recv_turn) > 1;
    c.record.add_in(static_cast<std::uint64_t>(result));
    c.record.trace_io(static_cast<std::uint64_t>(result), 0, "recv");
    // Past the drain deadline the connection stays under the final-flush timer.
    if (c.phase == Phase::serving) wait_in(slot, &write_list_, true);
    start_send(slot);
    return;
  }
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
  if (result == 0) {
    // The peer half-closed and everything it sent was echoed (a recv is only
    // armed while nothing is held).
    ::shutdown(c.fd.get(), SHUT_WR);
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
  Connection& c = slots_[slot];
  if (result <= 0) {
    if (result == -EINTR || result == -EAGAIN) {
      start_send(slot);
      return;
    }
    const int error = result == 0 ? EPIPE : -result;
    close_connection(slot, reason_for_error(error), error);
    return;
  }
  c.head += static_cast<std::uint32_t>(result);
  c.record.trace_io(0, static_cast<std::uint64_t>(result), "send");
  if (c.head < c.tail) {
    // A short send: the rest goes next, after nothing else of this connection.
    wait_in(slot, c.phase == Phase::serving ? &write_list_ : &closing_list_,
            c.phase == Phase::serving);
    start_send(slot);
    return;
  }
  release_buffer(c);
  if (c.phase != Phase::serving) {
    finish_flush(slot);
    return;
  }
  wait_in(slot, &idle_list_, true);
  start_recv(slot);
}

void EventLoop::handle_discard(std::uint32_t slot) {
  for (;;) {
    const ssize_t n = net::discard_input(slots_[slot].fd.get());
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
  Connection& c = slots_[slot];
  ::shutdown(c.fd.get(), SHUT_WR);
  c.phase = Phase::fin_sent;
  handle_discard(slot);
}

void EventLoop::recycle_buffer(std::uint16_t id) {
  buffers_.give_back(id);
}

void EventLoop::release_buffer(Connection& c) {
  if (c.buffer_id != kNoBuffer) recycle_buffer(c.buffer_id);
  c.buffer_id = kNoBuffer;
  spill_pool_.give_back(std::move(c.spill));
  c.head = c.tail = 0;
}

void EventLoop::cancel(std::uint64_t tag) {
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_cancel64(sqe, tag, 0);
  io_uring_sqe_set_data64(sqe, make_tag(TagKind::cancel, 0));
}

void EventLoop::close_connection(std::uint32_t slot, CloseReason reason, int error) {
  Connection& c = slots_[slot];
  wait_in(slot, nullptr, true);
  c.record.log_close(reason, c.tail - c.head, error);
  c.open = false;
  --live_;
  context_.limiter.release();
  context_.admission.release(c.record.peer());
  // A descriptor is about to come free: no need to wait out an EMFILE back-off.
  if (backoff_until_ > now_) backoff_until_ = now_;
  if (c.in_flight != TagKind::none) {
    // The slot (and the buffer a send reads from) stays reserved until the
    // operation's completion says the kernel is done with it.
    cancel(in_flight_tag(slot));
    return;
  }
  release_slot(slot);
}

void EventLoop::release_slot(std::uint32_t slot) {
  Connection& c = slots_[slot];
  release_buffer(c);
  remove_file(slot);  // before the close: the table holds the socket too
  c.fd.reset();
  c.record = ConnectionRecord{};
  c.generation = (c.generation + 1) & kGenerationMask;
  c.phase = Phase::serving;
  c.recv_waited = false;
  slots_.release(slot);
}

void EventLoop::wait_in(std::uint32_t slot, TimerList* list, bool progressed) {
  TimerLink& link = slots_[slot].timer;
  TimerList* current = link.list == idle_list_.id()      ? &idle_list_
                       : link.list == write_list_.id()   ? &write_list_
                       : link.list == closing_list_.id() ? &closing_list_
                                                         : nullptr;
  if (current == list && !progressed) return;  // still waiting since the same moment
  if (current) current->remove(slots_, slot);
  if (list && list->enabled()) list->push_back(slots_, slot, now_);
}

void EventLoop::begin_drain() {
  if (draining_) return;
  draining_ = true;
  // Shutdown::begin already shut the listeners; the accepts still armed end
  // with an error or are cancelled by set_accepting.
  parked_.clear();
  set_accepting();
}

void EventLoop::start_final_flush() {
  final_phase_ = true;
  for (std::uint32_t slot = 0; slot < slots_.size(); ++slot) {
    Connection& c = slots_[slot];
    if (!c.open || c.phase != Phase::serving) continue;
    c.phase = Phase::final_flush;
    wait_in(slot, &closing_list_, true);
    if (c.tail > c.head) continue;  // its send's completion sends the FIN
    if (c.in_flight != TagKind::none) {
      cancel(in_flight_tag(slot));  // the idle recv or poll; its completion sends the FIN
      continue;
    }
    finish_flush(slot);
  }
}

void EventLoop::expire_timers() {
  if (draining_ && !final_phase_ && now_ >= context_.shutdown.drain_deadline()) {
    start_final_flush();
  }
  const auto expire = [this](TimerList& list, CloseReason reason) {
    while (!list.empty() && list.front_deadline(slots_) <= now_) {
      close_connection(list.front(), reason);
    }
  };
  expire(idle_list_, CloseReason::idle_timeout);
  expire(write_list_, CloseReason::write_timeout);
  expire(closing_list_, CloseReason::shutdown);
}

std::optional<EventLoop::Clock::time_point> EventLoop::next_deadline() const {
  std::optional<Clock::time_point> next;
  const auto consider = [&next](Clock::time_point t) {
    if (!next || t < *next) next = t;
  };
  if (!idle_list_.empty()) consider(idle_list_.front_deadline(slots_));
  if (!write_list_.empty()) consider(write_list_.front_deadline(slots_));
  if (!closing_list_.empty()) consider(closing_list_.front_deadline(slots_));
  if (draining_ && !final_phase_) consider(context_.shutdown.drain_deadline());
  if (backoff_until_ > now_) consider(backoff_until_);
  return next;
}

void EventLoop::set_accepting() {
  const bool wanted = !draining_ && !at_limit_ && now_ >= backoff_until_;
  for (std::uint32_t i = 0; i < listeners_.size(); ++i) {
    AcceptState& state = accepts_[i];
    if (wanted && !state.armed) {
      arm_accept(i);
    } else if (!wanted && state.armed) {
      cancel(make_tag(TagKind::accept, i, state.generation));
      state.armed = false;
    }
  }
}

}  // namespace echo::uring
