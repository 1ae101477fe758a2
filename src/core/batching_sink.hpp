// An spdlog sink that gathers formatted lines in memory and writes them to a
// descriptor (stderr) with one write(2) per flush. Event loops flush once per
// turn, so a burst of connection logs costs one system call per turn instead of
// two per connection; warnings flush at once (flush_on), and a background flush
// catches lines logged outside any loop. It bypasses stdio entirely, so the
// buffer's only lock is the sink's own mutex.
#pragma once

#include <spdlog/sinks/base_sink.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>

namespace echo::log {

class BatchingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit BatchingSink(int fd) : fd_(fd) {}

  // Whether a line may be waiting, cleared by the call: the loops' per-turn
  // flush skips the logger (its mutexes and registry look-ups, about a fifth
  // of a bulk stream's user-space instructions) on the many turns that logged
  // nothing. A line formatted after the exchange sets it again, so none is
  // left behind for longer than one more turn (or the background flush).
  bool take_pending() noexcept { return pending_.exchange(false, std::memory_order_acq_rel); }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    pending_.store(true, std::memory_order_release);
    formatter_->format(msg, buffer_);
    if (buffer_.size() >= kFlushAtBytes) flush_();
  }

  void flush_() override {
    const char* data = buffer_.data();
    std::size_t left = buffer_.size();
    while (left > 0) {
      const ssize_t n = ::write(fd_, data, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // a closed or broken stderr must not stop the server
      data += n;
      left -= static_cast<std::size_t>(n);
    }
    buffer_.clear();
  }

 private:
  static constexpr std::size_t kFlushAtBytes = 64 * 1024;
  int fd_;
  spdlog::memory_buf_t buffer_;
  std::atomic<bool> pending_{false};
};

}  // namespace echo::log
