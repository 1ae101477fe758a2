// Line splitting for the interactive mode; see line_reader.hpp.
#include "client/line_reader.hpp"

#include "client/fd_io.hpp"

namespace echo::client {

std::optional<std::string> LineReader::take_line() {
  const std::size_t newline = buffer_.find('\n', start_ + scanned_);
  if (newline == std::string::npos) {
    scanned_ = buffer_.size() - start_;
    if (!eof_ || start_ == buffer_.size()) return std::nullopt;
    std::string last = buffer_.substr(start_);
    start_ = buffer_.size();
    scanned_ = 0;
    return last;
  }
  std::string line = buffer_.substr(start_, newline - start_);
  start_ = newline + 1;
  scanned_ = 0;
  return line;
}

ssize_t LineReader::fill() {
  // Drop the lines already taken so the buffer holds at most one partial line
  // plus one chunk.
  if (start_ > 0) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  const std::size_t old_size = buffer_.size();
  buffer_.resize(old_size + kReadChunkBytes);
  const ssize_t n = read_some(fd_, std::span<char>(buffer_.data() + old_size, kReadChunkBytes));
  buffer_.resize(old_size + static_cast<std::size_t>(n > 0 ? n : 0));
  if (n == 0) eof_ = true;
  return n;
}

}  // namespace echo::client
