// What an event loop decides that is not about moving bytes, written once for
// the epoll and the uring loops: the connection slots and their timers, the
// accept gate (connection limit, descriptor back-off, drain), the drain's
// phases, and one lifecycle (open: record, count, log, idle timer; close:
// timer, log, limiter slot and per-IP count back, count).
//
// A loop owns one LoopCore<Connection>; its Connection needs the members
// `net::UniqueFd fd`, `EchoStream stream`, `ConnectionRecord record`,
// `TimerLink timer`, `Phase phase` and `std::uint16_t listener`. The loop keeps what is its own:
// how it waits, how it accepts, and what closing a socket takes in its I/O model.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/accept_policy.hpp"
#include "core/connection_lifecycle.hpp"
#include "core/connection_record.hpp"
#include "core/connection_timers.hpp"
#include "core/echo_stream.hpp"
#include "core/listeners.hpp"
#include "core/proxy_preamble.hpp"
#include "core/server_context.hpp"
#include "core/slot_table.hpp"
#include "net/address.hpp"

namespace echo {

enum class Phase : std::uint8_t {
  closed,       // a free slot, or (uring) closed with an operation still in flight
  preamble,     // on a PROXY listener: reading the header (core/proxy_preamble.hpp)
  serving,      // echoing
  final_flush,  // past the drain deadline: echo what is held, then FIN
  fin_sent,     // waiting for the peer to close, discarding what it sends
};

template <class Connection>
class LoopCore {
 public:
  // Bytes a readiness pump of one connection may move per turn before the
  // others get theirs.
  static constexpr std::size_t kTurnBudgetBytes = 256 * 1024;

  using Clock = std::chrono::steady_clock;

  // listeners: the loop's (owned by the context), which open() names by index.
  LoopCore(ServerContext& context, const std::vector<Listener>& listeners)
      : context_(context),
        listeners_(listeners),
        timers_(context.config.idle_timeout, context.config.write_timeout,
                context.config.proxy_timeout) {
    slots_.reserve(context.config.max_connections);  // any loop may end up holding them all
  }

  ServerContext& context() const noexcept { return context_; }
  SlotTable<Connection>& slots() noexcept { return slots_; }
  Connection& operator[](std::uint32_t slot) noexcept { return slots_[slot]; }
  Clock::time_point now() const noexcept { return now_; }
  // Once per turn, after the wait: every decision of the turn uses this time.
  void tick() noexcept { now_ = Clock::now(); }
  std::size_t live() const noexcept { return live_; }
  // The listener a connection came from (what its stages depend on).
  const Listener& listener_of(std::uint32_t slot) noexcept {
    return listeners_[slots_[slot].listener];
  }

  // --- Lifecycle.
  // A connection just accepted from listeners[listener] on a reserved limiter
  // slot, through the admission step. Taken: a slot holding its socket (its
  // options came from the listener: core/connection_setup.hpp), its record (the open line), the
  // index of its listener (what later stages find their per-listener state by) and the idle timer;
  // the loop fills in its own members. Refused: nullopt, and the socket is closed at once (the
  // refusal is logged, the limiter slot is back).
  // reserved: a slot from reserve_slot() to use (given back if refused).
  //
  // On a PROXY listener the connection starts in Phase::preamble, under the
  // --proxy-timeout timer: the loop reads as usual and hands what it read to
  // take_preamble() until the phase is serving.
  std::optional<std::uint32_t> open(net::UniqueFd fd, const net::Address& peer,
                                    std::uint16_t listener,
                                    std::optional<std::uint32_t> reserved = std::nullopt) {
    const Preamble preamble = listeners_[listener].spec.preamble;
    std::optional<ConnectionRecord> record = admit_connection(context_, peer, preamble);
    if (!record) {
      if (reserved) slots_.release(*reserved);
      return std::nullopt;
    }
    const std::uint32_t slot = reserved ? *reserved : slots_.acquire();
    Connection& c = slots_[slot];
    c.fd = std::move(fd);
    c.record = std::move(*record);
    c.listener = listener;
    ++live_;
    if (preamble == Preamble::proxy) {
      preambles_.insert_or_assign(slot, ProxyPreamble(c.record.peer()));
      c.phase = Phase::preamble;
      wait(slot, Wait::preamble, true);
    } else {
      c.phase = Phase::serving;
      wait(slot, Wait::input, true);
    }
    return slot;
  }
  // A connection in Phase::preamble read bytes into the start of its receive
  // buffer: see ProxyPreamble::take. Done: it is serving now (under the idle
  // timer), and the step's leftover bytes at the buffer's start are to echo.
  // Refused: close it (close() logs the refusal).
  ProxyPreamble::Step take_preamble(std::uint32_t slot, std::span<std::byte> bytes) {
    Connection& c = slots_[slot];
    const ProxyPreamble::Step step = preambles_.at(slot).take(context_, c.record, bytes);
    if (step.status == ProxyPreamble::Status::done) {
      c.phase = Phase::serving;
      wait(slot, Wait::input, true);
    }
    return step;
  }
  // A slot for a connection not accepted yet, for a loop that must name it
  // before the accept completes (uring's direct accepts: the socket's entry
  // in the file table); open() takes it, or unreserve_slot gives it back.
  std::uint32_t reserve_slot() { return slots_.acquire(); }
  void unreserve_slot(std::uint32_t slot) { slots_.release(slot); }
  // The connection ends now for the policy (the loop may still be waiting for
  // the kernel to let go of its socket or buffer): the close line, the limiter
  // slot, the count. The loop releases its stream and slot afterwards.
  // A connection still in its preamble is refused instead (end_preamble).
  void close(std::uint32_t slot, CloseReason reason, int error = 0) {
    Connection& c = slots_[slot];
    wait(slot, Wait::none, true);
    // (A plain listener's connection never has an entry: one branch for it.)
    if (const auto it = preambles_.empty() ? preambles_.end() : preambles_.find(slot);
        it != preambles_.end()) {
      if (c.phase == Phase::preamble) {
        std::string detail;
        const Refusal refusal = refusal_for_unfinished(it->second, reason, error, &detail);
        end_preamble(context_, it->second, refusal, detail);
      } else {
        end_connection(context_, c.record, reason, c.stream.pending_bytes(), error,
                       &it->second.sender());
      }
      preambles_.erase(it);
    } else {
      end_connection(context_, c.record, reason, c.stream.pending_bytes(), error);
    }
    c.phase = Phase::closed;
    --live_;
    // A descriptor is coming free: no need to wait out an EMFILE back-off.
    if (backoff_until_ > now_) backoff_until_ = now_;
  }
  void wait(std::uint32_t slot, Wait what, bool progressed) {
    timers_.wait(slots_, slot, what, progressed, now_);
  }

  // --- Drain.
  // At the start of a turn: begins the drain if the signal came (returns true
  // once, then), so the loop can stop accepting.
  bool drain_began() noexcept {
    if (draining_ || !context_.shutdown.draining()) return false;
    draining_ = true;
    return true;
  }
  bool draining() const noexcept { return draining_; }
  bool final_phase() const noexcept { return final_phase_; }
  // The loop may end: draining, and every connection is gone.
  bool drained() const noexcept { return draining_ && live_ == 0; }
  // Past the drain deadline: stop reading, echo what is held, then FIN, all
  // under the closing timer.
  void begin_final_flush(std::uint32_t slot) {
    Connection& c = slots_[slot];
    c.stream.stop_reading();
    c.phase = Phase::final_flush;
    wait(slot, Wait::closing, true);
  }

  // --- Timers, once per turn. close(slot, reason) closes a connection whose
  // timeout passed; flush(slot) starts the final flush of one that was serving
  // when the drain deadline passed (begin_final_flush has been called).
  template <class Close, class Flush>
  void expire(Close&& close_connection, Flush&& flush) {
    if (draining_ && !final_phase_ && now_ >= context_.shutdown.drain_deadline()) {
      final_phase_ = true;
      for (std::uint32_t slot = 0; slot < slots_.size(); ++slot) {
        // A header still incomplete: nothing of it is to echo.
        if (slots_[slot].phase == Phase::preamble) close_connection(slot, CloseReason::shutdown);
        if (slots_[slot].phase != Phase::serving) continue;
        begin_final_flush(slot);
        flush(slot);
      }
    }
    timers_.expire(slots_, now_, close_connection);
  }
  std::optional<Clock::time_point> next_deadline() const {
    std::optional<Clock::time_point> next = timers_.next_deadline(slots_);
    const auto consider = [&next](Clock::time_point t) {
      if (!next || t < *next) next = t;
    };
    if (draining_ && !final_phase_) consider(context_.shutdown.drain_deadline());
    if (backoff_until_ > now_) consider(backoff_until_);
    return next;
  }
  // The same, as a poll/epoll timeout: -1 = none, else milliseconds (>= 0).
  int next_timeout_ms() const {
    const auto next = next_deadline();
    if (!next) return -1;
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(*next - Clock::now());
    return wait.count() < 0 ? 0 : static_cast<int>(wait.count());
  }

  // --- Accept gate.
  bool accepting_wanted() const noexcept {
    return !draining_ && !at_limit_ && now_ >= backoff_until_;
  }
  // A limiter slot could not be had (its waker is armed); lifted by the wake.
  void hit_limit() noexcept { at_limit_ = true; }
  void limit_lifted() noexcept { at_limit_ = false; }
  // Classifies a failed accept (-error) and, when descriptors ran out, backs off.
  AcceptFailure accept_failed(int error) {
    const AcceptFailure failure = classify_accept_failure(error);
    if (failure == AcceptFailure::exhausted) back_off();
    return failure;
  }
  // Stops accepting for kAcceptBackoff (or until a connection closes).
  void back_off() noexcept { backoff_until_ = now_ + kAcceptBackoff; }

 private:
  ServerContext& context_;
  const std::vector<Listener>& listeners_;
  SlotTable<Connection> slots_;
  ConnectionTimers timers_;
  // The preamble stage's state, for connections on PROXY listeners only
  // (kept until the close, for the proxy's address in the close line).
  std::unordered_map<std::uint32_t, ProxyPreamble> preambles_;
  std::size_t live_ = 0;
  Clock::time_point now_ = Clock::now();
  Clock::time_point backoff_until_{};
  bool at_limit_ = false;
  bool draining_ = false;
  bool final_phase_ = false;
};

}  // namespace echo
