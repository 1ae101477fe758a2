#include "core/connection_record.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>

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

void ConnectionRecord::write_trace(std::uint64_t bytes_read, std::uint64_t bytes_written,
                                   const char* state) const {
  log::write_event(
      log::Level::trace, "io",
      {{"id", id_}, {"read", bytes_read}, {"written", bytes_written}, {"then", state}});
}

void ConnectionRecord::log_close(CloseReason reason, std::uint64_t unechoed, int error) const {
  if (!log::enabled(log::Level::info)) return;
  const std::uint64_t bytes_out = bytes_in_ - unechoed;
  const auto duration = std::chrono::steady_clock::now() - opened_;
  const double duration_ms = std::chrono::duration<double, std::milli>(duration).count();
  const std::string peer_text = peer_.to_string();
  if (error != 0) {
    log::write_event(log::Level::info, "close",
                     {{"id", id_},
                      {"peer", peer_text},
                      {"in", bytes_in_},
                      {"out", bytes_out},
                      {"duration_ms", duration_ms},
                      {"reason", to_string(reason)},
                      {"error", std::strerror(error)}});
  } else {
    log::write_event(log::Level::info, "close",
                     {{"id", id_},
                      {"peer", peer_text},
                      {"in", bytes_in_},
                      {"out", bytes_out},
                      {"duration_ms", duration_ms},
                      {"reason", to_string(reason)}});
  }
}

}  // namespace echo
