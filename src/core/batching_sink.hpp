// An spdlog sink that gathers formatted lines in memory and writes them to a
// descriptor (stderr) with one write(2) per flush. Event loops flush once per
// turn, so a burst of connection logs costs one system call per turn instead of
// two per connection; warnings flush at once (flush_on), and a background flush
// catches lines logged outside any loop. It bypasses stdio entirely, so the
// buffer's only lock is the sink's own mutex.
#pragma once

#include <spdlog/sinks/base_sink.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>

namespace echo::log {

class BatchingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit BatchingSink(int fd) : fd_(fd) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
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
};

}  // namespace echo::log
