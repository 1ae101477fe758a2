// Splits a descriptor (stdin) into lines with its own buffer, instead of
// std::getline, so the caller can tell "a line is already buffered" from "must
// wait for input" and can watch the socket while it waits.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>

namespace echo::client {

class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}

  int fd() const { return fd_; }

  // A complete line (without its '\n') if one is buffered, or the last
  // unterminated line once the input has ended.
  std::optional<std::string> take_line();

  // True once read() has seen the end of input and every line has been taken.
  bool finished() const { return eof_ && start_ == buffer_.size(); }

  // Reads once from the descriptor. Returns bytes read, 0 at end of input,
  // -EAGAIN if nothing is ready, or -errno.
  ssize_t fill();

 private:
  static constexpr std::size_t kReadChunkBytes = 64 * 1024;

  int fd_;
  std::string buffer_;
  std::size_t start_ = 0;    // first byte not yet returned as a line
  std::size_t scanned_ = 0;  // bytes from start_ already known to hold no '\n'
  bool eof_ = false;
};

}  // namespace echo::client
