// Pipe mode. Sending all of stdin before reading would deadlock once the input
// outgrows the kernel buffers plus the server's buffer: the server stops reading
// while its echo cannot be sent, and we stop reading while our send blocks. So
// one poll(2) loop reads echoes while it sends, and only reads more of stdin
// once the previous chunk is out.
//
// stdin and stdout stay in blocking mode: they may be shared with a shell, and
// O_NONBLOCK is a property of the open file, not of our descriptor. stdin is
// polled before each read; a blocking write to stdout only delays us, it cannot
// deadlock the server, which keeps our unread echoes in the socket buffers.
//
// Try it: head -c 100M /dev/urandom > in; echo-client 127.0.0.1:7878 < in > out; cmp in out
#include "client/pipe_mode.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "client/fd_io.hpp"
#include "net/socket.hpp"

namespace echo::client {

namespace {

// Large enough that a 1 GiB stream costs a few thousand system calls per
// direction, not hundreds of thousands.
constexpr std::size_t kBufferBytes = 256 * 1024;
// Echoes taken per turn before stdin gets its turn again.
constexpr std::size_t kReceiveBudgetBytes = 4 * kBufferBytes;

class PipeSession {
 public:
  PipeSession(int socket_fd, int in_fd, int out_fd)
      : socket_fd_(socket_fd),
        in_fd_(in_fd),
        out_fd_(out_fd),
        outbound_(kBufferBytes),
        inbound_(kBufferBytes) {}

  Outcome run();

 private:
  bool outbound_pending() const { return out_head_ < out_tail_; }
  std::optional<Outcome> receive_echoes();
  std::optional<Outcome> send_pending();
  std::optional<Outcome> read_input();
  std::optional<Outcome> half_close_when_done();
  std::string counts() const;

  int socket_fd_;
  int in_fd_;
  int out_fd_;
  std::vector<char> outbound_;  // read from stdin, not yet sent
  std::vector<char> inbound_;
  std::size_t out_head_ = 0;
  std::size_t out_tail_ = 0;
  std::uint64_t sent_bytes_ = 0;
  std::uint64_t received_bytes_ = 0;
  bool input_open_ = true;
  bool fin_sent_ = false;
  bool server_finished_ = false;
};

std::string PipeSession::counts() const {
  return "sent " + std::to_string(sent_bytes_) + " bytes, " + std::to_string(received_bytes_) +
         " echoed";
}

Outcome PipeSession::run() {
  if (int e = net::set_nonblocking(socket_fd_, true)) {
    return Outcome::io_failure("cannot make the socket non-blocking: " + error_text(e));
  }
  while (!server_finished_) {
    if (auto failure = half_close_when_done()) return std::move(*failure);

    const bool want_input = input_open_ && !outbound_pending();
    pollfd fds[2] = {
        {want_input ? in_fd_ : -1, POLLIN, 0},
        {socket_fd_, static_cast<short>(POLLIN | (outbound_pending() ? POLLOUT : 0)), 0},
    };
    if (const int ready = poll_until(fds, std::nullopt); ready < 0) {
      return Outcome::io_failure("poll failed: " + error_text(ready));
    }
    // Echoes first: taking them is what lets the server read more of ours.
    if (fds[1].revents & (POLLIN | POLLERR | POLLHUP)) {
      if (auto failure = receive_echoes()) return std::move(*failure);
      if (server_finished_) break;
    }
    if (outbound_pending() && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      if (auto failure = send_pending()) return std::move(*failure);
    }
    if (fds[0].revents & POLLNVAL) return Outcome::io_failure("cannot read stdin: it is not open");
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      if (auto failure = read_input()) return std::move(*failure);
      // Most of the time the socket has room: send now rather than after another poll.
      if (outbound_pending()) {
        if (auto failure = send_pending()) return std::move(*failure);
      }
    }
  }
  if (received_bytes_ != sent_bytes_) {
    return Outcome::io_failure("the server closed the connection before echoing everything (" +
                               counts() + ")");
  }
  return Outcome::success();
}

std::optional<Outcome> PipeSession::receive_echoes() {
  for (std::size_t taken = 0; taken < kReceiveBudgetBytes;) {
    const ssize_t n = ::recv(socket_fd_, inbound_.data(), inbound_.size(), 0);
    if (n > 0) {
      received_bytes_ += static_cast<std::uint64_t>(n);
      taken += static_cast<std::size_t>(n);
      if (received_bytes_ > sent_bytes_) {
        return Outcome::io_failure("the server sent more bytes than it was sent (" + counts() +
                                   ")");
      }
      if (int e =
              write_all(out_fd_, std::string_view(inbound_.data(), static_cast<std::size_t>(n)))) {
        return Outcome::io_failure("cannot write to stdout: " + error_text(e));
      }
      continue;
    }
    if (n == 0) {
      if (!fin_sent_) {
        return Outcome::io_failure("the server closed the connection before the input ended (" +
                                   counts() + ")");
      }
      server_finished_ = true;
      return std::nullopt;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::nullopt;
    return Outcome::io_failure("connection lost: " + error_text(-errno) + " (" + counts() + ")");
  }
  return std::nullopt;
}

std::optional<Outcome> PipeSession::send_pending() {
  while (outbound_pending()) {
    const ssize_t n =
        ::send(socket_fd_, outbound_.data() + out_head_, out_tail_ - out_head_, MSG_NOSIGNAL);
    if (n > 0) {
      out_head_ += static_cast<std::size_t>(n);
      sent_bytes_ += static_cast<std::uint64_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::nullopt;
    return Outcome::io_failure("connection lost while sending: " + error_text(-errno) + " (" +
                               counts() + ")");
  }
  out_head_ = out_tail_ = 0;
  return std::nullopt;
}

std::optional<Outcome> PipeSession::read_input() {
  const ssize_t n = read_some(in_fd_, outbound_);
  if (n > 0) {
    out_head_ = 0;
    out_tail_ = static_cast<std::size_t>(n);
  } else if (n == 0) {
    input_open_ = false;
  } else if (n != -EAGAIN) {
    return Outcome::io_failure("cannot read stdin: " + error_text(static_cast<int>(n)));
  }
  return std::nullopt;
}

// Once stdin has ended and all of it is sent, our FIN tells the server to
// finish its echo and close; its EOF then ends the session.
std::optional<Outcome> PipeSession::half_close_when_done() {
  if (fin_sent_ || input_open_ || outbound_pending()) return std::nullopt;
  if (::shutdown(socket_fd_, SHUT_WR) != 0) {
    return Outcome::io_failure("cannot half-close the connection: " + error_text(-errno));
  }
  fin_sent_ = true;
  return std::nullopt;
}

}  // namespace

Outcome run_pipe_mode(int socket_fd, int in_fd, int out_fd) {
  return PipeSession(socket_fd, in_fd, out_fd).run();
}

}  // namespace echo::client
