// loadgen: a minimal closed-loop load generator used to make the design
// measurements written down in docs/engines.md, until echo-bench replaces it.
//   loadgen churn    PORT THREADS SECONDS        connect, echo 64 bytes, close, repeat
//   loadgen pingpong PORT CONNECTIONS SECONDS    64-byte closed-loop ping-pong (one thread)
// Prints one line: operations per second. Every echo is checked.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMessageBytes = 64;

int connect_port(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("connect");
    std::exit(1);
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool echo_once(int fd, const char* message) {
  if (::send(fd, message, kMessageBytes, MSG_NOSIGNAL) != static_cast<ssize_t>(kMessageBytes))
    return false;
  char reply[kMessageBytes];
  std::size_t got = 0;
  while (got < kMessageBytes) {
    const ssize_t n = ::recv(fd, reply + got, kMessageBytes - got, 0);
    if (n <= 0) return false;
    got += static_cast<std::size_t>(n);
  }
  return std::memcmp(reply, message, kMessageBytes) == 0;
}

double churn(int port, int threads, double seconds) {
  std::atomic<long> done{0};
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      char message[kMessageBytes];
      std::memset(message, 'a' + t % 26, sizeof message);
      long count = 0;
      while (Clock::now() < end) {
        const int fd = connect_port(port);
        if (!echo_once(fd, message)) {
          std::fprintf(stderr, "bad echo\n");
          std::exit(1);
        }
        // Closing first from the client keeps TIME_WAIT on the client side.
        ::close(fd);
        ++count;
      }
      done += count;
    });
  }
  for (auto& w : workers) w.join();
  return static_cast<double>(done.load()) / seconds;
}

double pingpong(int port, int connections, double seconds) {
  const int ep = ::epoll_create1(0);
  std::vector<int> fds;
  std::vector<std::size_t> received(static_cast<std::size_t>(connections), 0);
  char message[kMessageBytes];
  std::memset(message, 'x', sizeof message);
  for (int i = 0; i < connections; ++i) {
    const int fd = connect_port(port);
    fds.push_back(fd);
    epoll_event ev{EPOLLIN, {.u32 = static_cast<std::uint32_t>(i)}};
    ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    ::send(fd, message, kMessageBytes, MSG_NOSIGNAL);
  }
  long count = 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  epoll_event events[256];
  char reply[4096];
  while (Clock::now() < end) {
    const int n = ::epoll_wait(ep, events, 256, 100);
    for (int e = 0; e < n; ++e) {
      const auto i = events[e].data.u32;
      const ssize_t got = ::recv(fds[i], reply, sizeof reply, 0);
      if (got <= 0) {
        std::fprintf(stderr, "connection lost\n");
        std::exit(1);
      }
      for (ssize_t b = 0; b < got; ++b) {
        if (reply[b] != 'x') {
          std::fprintf(stderr, "bad echo\n");
          std::exit(1);
        }
      }
      received[i] += static_cast<std::size_t>(got);
      if (received[i] == kMessageBytes) {
        received[i] = 0;
        ++count;
        ::send(fds[i], message, kMessageBytes, MSG_NOSIGNAL);
      }
    }
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  for (int fd : fds) ::close(fd);
  return static_cast<double>(count) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: loadgen churn|pingpong PORT THREADS|CONNECTIONS SECONDS\n");
    return 2;
  }
  const std::string mode = argv[1];
  const int port = std::atoi(argv[2]);
  const int n = std::atoi(argv[3]);
  const double seconds = std::atof(argv[4]);
  const double rate = mode == "churn" ? churn(port, n, seconds) : pingpong(port, n, seconds);
  std::printf("%.0f\n", rate);
  return 0;
}
