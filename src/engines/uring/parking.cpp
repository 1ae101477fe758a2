// Parking idle connections in the loop's epoll set (see parking.hpp), the
// loop's side: the sweep, the park on the cancelled recv's completion, the
// harvest, and leaving the set when a parked connection closes or drains.
#include "engines/uring/parking.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>

#include "engines/uring/event_loop.hpp"

namespace echo::uring {

namespace {

// What a connection's registration carries: its slot and generation, so an
// event for a connection that has closed since (its slot reused or not) is
// recognised and dropped.
constexpr std::uint64_t parked_data(std::uint32_t slot, std::uint16_t generation) {
  return std::uint64_t{generation} << 32 | slot;
}

}  // namespace

bool ParkingLot::init(std::chrono::milliseconds threshold) {
  threshold_ = threshold;
  epoll_ = net::UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
  return epoll_.valid();
}

bool ParkingLot::begin_pass_if_due(Clock::time_point now) noexcept {
  if (sweeping_) return true;
  if ((!wanted_ && marked_ == 0) || now < next_pass_) return false;
  sweeping_ = true;
  hand_ = 0;
  marked_ = 0;
  wanted_ = false;
  next_pass_ = now + threshold_;
  return true;
}

void ParkingLot::advance(std::uint32_t slot, std::size_t marked, std::uint32_t slots) noexcept {
  hand_ = slot;
  marked_ += marked;
  if (slot >= slots) sweeping_ = false;
}

std::optional<ParkingLot::Clock::time_point> ParkingLot::next_deadline(
    Clock::time_point now) const noexcept {
  if (!enabled()) return std::nullopt;
  if (sweeping_) return now;
  if (wanted_ || marked_ > 0) return next_pass_;
  return std::nullopt;
}

int ParkingLot::add(int fd, std::uint64_t data) noexcept {
  epoll_event event{};
  event.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
  event.data.u64 = data;
  return ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) == 0 ? 0 : -errno;
}

int ParkingLot::remove(int fd) noexcept {
  return ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr) == 0 ? 0 : -errno;
}

void EventLoop::sweep_parking() {
  if (!parking_.begin_pass_if_due(core_.now())) return;
  const bool at_once = parking_.threshold().count() == 0;
  const std::uint32_t slots = core_.slots().size();
  const std::uint32_t end = std::min(slots, parking_.next_slot() + ParkingLot::kSweepSlotsPerTurn);
  std::size_t marked = 0;
  std::size_t parks = 0;
  std::uint32_t slot = parking_.next_slot();
  for (; slot < end && parks < ParkingLot::kParksPerTurn; ++slot) {
    Connection& c = core_[slot];
    // Only a recv that the kernel has and that no cancel is on its way to.
    if (c.in_flight != TagKind::recv || c.phase != Phase::serving || c.parking || c.unparkable)
      continue;
    if (c.recv_turn == turn_) {
      parking_.recv_armed();  // armed this turn, not yet submitted: the next pass sees it
      continue;
    }
    if (!at_once && !c.park_mark) {
      c.park_mark = true;  // parked at the next pass if still waiting then
      ++marked;
      continue;
    }
    c.parking = true;
    cancel(in_flight_tag(slot));  // its -ECANCELED completion parks it (park)
    ++parks;
  }
  parking_.advance(slot, marked, slots);
}

void EventLoop::park(std::uint32_t slot) {
  Connection& c = core_[slot];
  if (!c.fd) {
    // A direct connection (FileTable): epoll needs a descriptor. Kept until
    // the close, so a later park needs none; where the descriptor limit
    // refuses one, the connection keeps its recv (handle_descriptor).
    ask_descriptor(slot);
    c.parking = true;  // (prepare cleared it) what the descriptor is for
    return;
  }
  c.parking = false;
  if (parking_.add(c.fd.get(), parked_data(slot, c.generation)) != 0) {
    // Refused (no memory, or past fs.epoll.max_user_watches): it waits in the
    // ring as before, and a later pass tries again.
    start_recv(slot);
    return;
  }
  c.parked = true;
  parking_.count_parked();
  c.record.trace_io(0, 0, "parked");
}

void EventLoop::leave_parking(std::uint32_t slot, bool close) {
  Connection& c = core_[slot];
  c.parking = false;
  if (!c.parked) return;
  c.parked = false;
  // A socket being closed leaves the set by itself when its file goes; an
  // event that comes meanwhile names the old generation.
  if (!close) parking_.remove(c.fd.get());
}

void EventLoop::arm_parking_poll() {
  io_uring_sqe* sqe = submissions_.next();
  io_uring_prep_poll_add(sqe, parking_.fd(), POLLIN);
  io_uring_sqe_set_data64(sqe, make_tag(TagKind::parking, 0));
}

void EventLoop::handle_parking_poll(int result) {
  if (result == -ECANCELED) return;  // the loop is ending
  parking_.harvest([this](std::uint64_t data) {
    const auto slot = static_cast<std::uint32_t>(data);
    const auto generation = static_cast<std::uint16_t>(data >> 32);
    if (!core_.slots().contains(slot)) return;
    Connection& c = core_[slot];
    if (!c.parked || c.generation != generation) return;  // closed or drained since
    leave_parking(slot, false);
    parking_.count_unparked();
    c.record.trace_io(0, 0, "unparked");
    // Input (or EOF, or an error) is there: no poll first.
    c.recv_waited = false;
    start_recv(slot);
  });
  arm_parking_poll();
}

}  // namespace echo::uring
