// Interactive mode. Unlike the tutorial line client (send, then one recv), it
// keeps reading until the echo of exactly the bytes sent is complete, and it
// reads while it sends: a line longer than the socket buffers plus the server's
// buffer would otherwise deadlock, both sides blocked in send.
//
// Try it: echo-server & echo-client --interactive 127.0.0.1:7878
#include "client/interactive_mode.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "client/fd_io.hpp"
#include "client/line_reader.hpp"
#include "net/socket.hpp"

namespace echo::client {

namespace {

constexpr std::size_t kReceiveChunkBytes = 64 * 1024;
constexpr const char* kPrompt = "> ";

struct EndOfInput {};

class InteractiveSession {
 public:
  InteractiveSession(int socket_fd, int in_fd, int out_fd, const InteractiveSettings& settings)
      : socket_fd_(socket_fd),
        out_fd_(out_fd),
        settings_(settings),
        lines_(in_fd),
        receive_buffer_(kReceiveChunkBytes) {}

  Outcome run();

 private:
  std::variant<std::string, EndOfInput, Outcome> next_line();
  std::optional<Outcome> check_idle_socket();
  Outcome exchange(const std::string& request);
  Outcome finish();
  std::optional<Clock::time_point> reply_deadline() const;

  int socket_fd_;
  int out_fd_;
  InteractiveSettings settings_;
  LineReader lines_;
  std::vector<char> receive_buffer_;
  std::size_t line_number_ = 0;
};

std::optional<Clock::time_point> InteractiveSession::reply_deadline() const {
  if (settings_.reply_timeout.count() == 0) return std::nullopt;
  return Clock::now() + settings_.reply_timeout;
}

Outcome InteractiveSession::run() {
  if (int e = net::set_nonblocking(socket_fd_, true)) {
    return Outcome::io_failure("cannot make the socket non-blocking: " + error_text(e));
  }
  for (;;) {
    if (settings_.prompt) {
      if (int e = write_all(out_fd_, kPrompt))
        return Outcome::io_failure("cannot write to stdout: " + error_text(e));
    }
    auto next = next_line();
    if (auto* failure = std::get_if<Outcome>(&next)) return std::move(*failure);
    if (std::holds_alternative<EndOfInput>(next)) return finish();
    ++line_number_;
    std::string request = std::move(std::get<std::string>(next));
    request += '\n';
    Outcome outcome = exchange(request);
    if (outcome.code != ExitCode::ok) return outcome;
    // The echo matched the request byte for byte as it arrived, so the request
    // is what the server sent back.
    if (int e = write_all(out_fd_, request))
      return Outcome::io_failure("cannot write to stdout: " + error_text(e));
  }
}

// While waiting for the user, the socket is watched too: a server that closes
// an idle connection is reported now, not after the next line is typed.
std::variant<std::string, EndOfInput, Outcome> InteractiveSession::next_line() {
  for (;;) {
    if (auto line = lines_.take_line()) return std::move(*line);
    if (lines_.finished()) return EndOfInput{};

    pollfd fds[2] = {{lines_.fd(), POLLIN, 0}, {socket_fd_, POLLIN, 0}};
    if (const int ready = poll_until(fds, std::nullopt); ready < 0) {
      return Outcome::io_failure("poll failed: " + error_text(ready));
    }
    if (fds[1].revents != 0) {
      if (auto failure = check_idle_socket()) return std::move(*failure);
    }
    if (fds[0].revents & POLLNVAL) return Outcome::io_failure("cannot read stdin: it is not open");
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = lines_.fill();
      if (n < 0 && n != -EAGAIN)
        return Outcome::io_failure("cannot read stdin: " + error_text(static_cast<int>(n)));
    }
  }
}

// Nothing is owed to us between lines, so a readable socket is bad news.
std::optional<Outcome> InteractiveSession::check_idle_socket() {
  const ssize_t n = ::recv(socket_fd_, receive_buffer_.data(), receive_buffer_.size(), 0);
  if (n == 0)
    return Outcome::io_failure("the server closed the connection while waiting for input");
  if (n > 0) {
    return Outcome::io_failure("the server sent " + std::to_string(n) +
                               " bytes that were not an echo");
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return std::nullopt;
  return Outcome::io_failure("connection lost while waiting for input: " + error_text(-errno));
}

Outcome InteractiveSession::exchange(const std::string& request) {
  const std::string which = "line " + std::to_string(line_number_);
  const auto deadline = reply_deadline();
  std::size_t sent = 0;
  std::size_t echoed = 0;
  while (echoed < request.size()) {
    pollfd pfd{socket_fd_, static_cast<short>(POLLIN | (sent < request.size() ? POLLOUT : 0)), 0};
    const int ready = poll_until({&pfd, 1}, deadline);
    if (ready < 0) return Outcome::io_failure("poll failed: " + error_text(ready));
    if (ready == 0) {
      return Outcome::io_failure(
          "no complete echo of " + which + " within " + describe_duration(settings_.reply_timeout) +
          " (got " + std::to_string(echoed) + " of " + std::to_string(request.size()) + " bytes)");
    }

    // Receive first: after a close, the echo count says more than EPIPE would.
    if (pfd.revents & (POLLIN | POLLERR | POLLHUP)) {
      // Never take more than this line's echo: anything beyond it is checked later.
      const std::size_t wanted = std::min(receive_buffer_.size(), request.size() - echoed);
      const ssize_t n = ::recv(socket_fd_, receive_buffer_.data(), wanted, 0);
      if (n > 0) {
        const std::string_view got(receive_buffer_.data(), static_cast<std::size_t>(n));
        const auto expected = std::string_view(request).substr(echoed, got.size());
        if (got != expected) {
          const auto first_difference =
              std::mismatch(got.begin(), got.end(), expected.begin()).first - got.begin();
          return Outcome::io_failure(
              "the echo of " + which + " differs from what was sent, at byte " +
              std::to_string(echoed + static_cast<std::size_t>(first_difference)));
        }
        echoed += got.size();
      } else if (n == 0) {
        return Outcome::io_failure("the server closed the connection after echoing " +
                                   std::to_string(echoed) + " of " +
                                   std::to_string(request.size()) + " bytes of " + which);
      } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        return Outcome::io_failure("connection lost waiting for the echo of " + which + ": " +
                                   error_text(-errno));
      }
    }

    if (sent < request.size() && (pfd.revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t n =
          ::send(socket_fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
      } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        return Outcome::io_failure("connection lost sending " + which + ": " + error_text(-errno));
      }
    }
  }
  return Outcome::success();
}

// At the end of input: send FIN so the server knows we are done, then wait
// (bounded by the reply timeout) for its close, which proves nothing extra came.
Outcome InteractiveSession::finish() {
  if (settings_.prompt) {
    if (int e = write_all(out_fd_, "\n"))
      return Outcome::io_failure("cannot write to stdout: " + error_text(e));
  }
  if (::shutdown(socket_fd_, SHUT_WR) != 0) {
    return Outcome::io_failure("cannot half-close the connection: " + error_text(-errno));
  }
  const auto deadline = reply_deadline();
  for (;;) {
    pollfd pfd{socket_fd_, POLLIN, 0};
    const int ready = poll_until({&pfd, 1}, deadline);
    if (ready < 0) return Outcome::io_failure("poll failed: " + error_text(ready));
    if (ready == 0) return Outcome::success();  // the server keeps it open: nothing is owed
    const ssize_t n = ::recv(socket_fd_, receive_buffer_.data(), receive_buffer_.size(), 0);
    if (n == 0) return Outcome::success();
    if (n > 0) {
      return Outcome::io_failure("the server sent " + std::to_string(n) +
                                 " bytes after the last echo");
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return Outcome::io_failure("connection lost after the last echo: " + error_text(-errno));
    }
  }
}

}  // namespace

Outcome run_interactive_mode(int socket_fd, int in_fd, int out_fd,
                             const InteractiveSettings& settings) {
  return InteractiveSession(socket_fd, in_fd, out_fd, settings).run();
}

}  // namespace echo::client
