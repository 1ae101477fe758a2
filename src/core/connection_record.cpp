#include "core/connection_record.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <span>

#include "core/log.hpp"

namespace echo {

namespace {
std::atomic<std::uint64_t> g_next_id{1};
}

const char* to_string(CloseReason reason) {
  switch (reason) {
    case CloseReason::eof:
      return "eof";
    case CloseReason::reset:
      return "reset";
    case CloseReason::error:
      return "error";
    case CloseReason::write_timeout:
      return "write-timeout";
    case CloseReason::idle_timeout:
      return "idle-timeout";
    case CloseReason::shutdown:
      return "shutdown";
    case CloseReason::proxy_timeout:
      return "proxy-timeout";
    case CloseReason::proxy_invalid:
      return "proxy-invalid";
  }
  return "?";
}

CloseReason reason_for_error(int error) {
  return (error == ECONNRESET || error == EPIPE) ? CloseReason::reset : CloseReason::error;
}

ConnectionRecord::ConnectionRecord(int fd)
    : ConnectionRecord(net::peer_address(fd).value_or(net::Address{})) {}

ConnectionRecord::ConnectionRecord(const net::Address& peer)
    : id_(g_next_id.fetch_add(1, std::memory_order_relaxed)),
      opened_(std::chrono::steady_clock::now()),
      peer_(peer) {
  if (log::enabled(log::Level::info)) {
    const std::string peer_text = peer_.to_string();
    log::write_event(log::Level::info, "open", {{"id", id_}, {"peer", peer_text}});
  }
}

ConnectionRecord::ConnectionRecord(const net::Address& peer, Deferred)
    : id_(g_next_id.fetch_add(1, std::memory_order_relaxed)),
      opened_(std::chrono::steady_clock::now()),
      peer_(peer) {}

void ConnectionRecord::open_proxied(const net::PeerAddress& peer, const net::PeerAddress& via,
                                    std::string_view tlvs) {
  peer_ = peer;
  if (!log::enabled(log::Level::info)) return;
  const std::string peer_text = peer_.to_string();
  const std::string via_text = via.to_string();
  if (tlvs.empty()) {
    log::write_event(log::Level::info, "open",
                     {{"id", id_}, {"peer", peer_text}, {"proxy", via_text}});
  } else {
    log::write_event(log::Level::info, "open",
                     {{"id", id_}, {"peer", peer_text}, {"proxy", via_text}, {"tlvs", tlvs}});
  }
}

void ConnectionRecord::write_trace(std::uint64_t bytes_read, std::uint64_t bytes_written,
                                   const char* state) const {
  log::write_event(
      log::Level::trace, "io",
      {{"id", id_}, {"read", bytes_read}, {"written", bytes_written}, {"then", state}});
}

void ConnectionRecord::log_close(CloseReason reason, std::uint64_t unechoed, int error,
                                 const net::PeerAddress* via) const {
  if (!log::enabled(log::Level::info)) return;
  const std::uint64_t bytes_out = bytes_in_ - unechoed;
  const auto duration = std::chrono::steady_clock::now() - opened_;
  const double duration_ms = std::chrono::duration<double, std::milli>(duration).count();
  const std::string peer_text = peer_.to_string();
  const std::string via_text = via ? via->to_string() : std::string();
  // The optional fields (proxy, error) are left out rather than printed empty.
  std::array<log::Field, 8> fields{log::Field{"id", id_}, log::Field{"peer", peer_text},
                                   log::Field{"", ""},    log::Field{"", ""},
                                   log::Field{"", ""},    log::Field{"", ""},
                                   log::Field{"", ""},    log::Field{"", ""}};
  std::size_t count = 2;
  if (via) fields[count++] = log::Field{"proxy", via_text};
  fields[count++] = log::Field{"in", bytes_in_};
  fields[count++] = log::Field{"out", bytes_out};
  fields[count++] = log::Field{"duration_ms", duration_ms};
  fields[count++] = log::Field{"reason", to_string(reason)};
  if (error != 0) fields[count++] = log::Field{"error", std::strerror(error)};
  log::write_event(log::Level::info, "close", std::span<const log::Field>(fields.data(), count));
}

}  // namespace echo
