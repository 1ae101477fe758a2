#include "bench/faulty_server.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <cerrno>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "net/address.hpp"
#include "net/socket.hpp"
#include "proxy/parser.hpp"

namespace echo::bench::test {

namespace {

constexpr std::size_t kReadChunkBytes = 16 * 1024;
constexpr std::size_t kMaxPendingBytes = 1
                                         << 20;  // stop reading while this much waits to be echoed
constexpr int kPollPeriodMs = 1000;

struct Client {
  net::UniqueFd fd;
  std::unique_ptr<proxy::Parser> parser;  // until its PROXY header is complete
  std::uint64_t offset = 0;               // stream offset of the next byte read
  std::string pending;                    // read, not yet echoed
  bool shutdown_wanted = false;
  bool shut_down = false;
};

}  // namespace

FaultyServer::FaultyServer(Fault fault, std::uint64_t fault_offset_bytes,
                           std::chrono::milliseconds hold)
    : fault_(fault), fault_offset_bytes_(fault_offset_bytes), hold_(hold) {
  start();
}

FaultyServer::FaultyServer(ProxyHeaders proxy_headers, Fault fault,
                           std::uint64_t fault_offset_bytes)
    : fault_(fault),
      fault_offset_bytes_(fault_offset_bytes),
      hold_(200ms),
      expect_proxy_headers_(proxy_headers == ProxyHeaders::expected) {
  start();
}

std::vector<proxy::Header> FaultyServer::proxy_headers() const {
  const std::lock_guard lock(seen_mutex_);
  return proxy_headers_;
}

std::vector<std::string> FaultyServer::proxy_header_errors() const {
  const std::lock_guard lock(seen_mutex_);
  return proxy_header_errors_;
}

std::uint64_t FaultyServer::bytes_after_headers() const {
  const std::lock_guard lock(seen_mutex_);
  return bytes_after_headers_;
}

void FaultyServer::start() {
  int error = 0;
  listener_ = net::listen_on(*net::parse_address("127.0.0.1:0"), {}, &error);
  wake_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!listener_ || !wake_) {
    ADD_FAILURE() << "faulty server: listen failed: " << error;
    return;
  }
  port_ = net::local_address(listener_.get())->port();
  thread_ = std::thread([this] { serve(); });
}

FaultyServer::~FaultyServer() {
  if (thread_.joinable()) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake_.get(), &one, sizeof one);
    thread_.join();
  }
}

void FaultyServer::serve() {
  std::vector<Client> clients;
  std::vector<pollfd> fds;
  std::uint64_t total_bytes = 0;
  bool held = false;
  auto hold_until = std::chrono::steady_clock::time_point::min();
  char buffer[kReadChunkBytes];

  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    const bool holding = now < hold_until;
    fds.clear();
    fds.push_back({wake_.get(), POLLIN, 0});
    fds.push_back({listener_.get(), POLLIN, 0});
    for (const auto& client : clients) {
      short events = 0;
      if (!holding && client.pending.size() < kMaxPendingBytes) events |= POLLIN;
      if (!holding && !client.pending.empty()) events |= POLLOUT;
      fds.push_back({client.fd.get(), events, 0});
    }
    int timeout_ms = kPollPeriodMs;
    if (holding)
      timeout_ms =
          static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(hold_until - now).count());
    if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) return;
    if (fds[0].revents) return;
    if (fds[1].revents & POLLIN) {
      for (int fd; (fd = net::accept_connection(listener_.get())) >= 0;) {
        Client client;
        client.fd.reset(fd);
        if (expect_proxy_headers_) client.parser = std::make_unique<proxy::Parser>();
        clients.push_back(std::move(client));
      }
    }

    for (std::size_t i = 0; i < clients.size() && i + 2 < fds.size(); ++i) {
      Client& client = clients[i];
      const short revents = fds[i + 2].revents;
      if (revents & (POLLIN | POLLHUP | POLLERR)) {
        const ssize_t n = ::recv(client.fd.get(), buffer, sizeof buffer, 0);
        if (n <= 0) {
          if (n == 0 || (errno != EAGAIN && errno != EINTR)) client.fd.reset();
          continue;
        }
        ssize_t first = 0;  // the first byte after the header
        if (client.parser) {
          const auto step = client.parser->feed(std::span(
              reinterpret_cast<const std::uint8_t*>(buffer), static_cast<std::size_t>(n)));
          const std::lock_guard lock(seen_mutex_);
          if (step.status == proxy::Parser::Status::invalid) {
            proxy_header_errors_.emplace_back(client.parser->error());
            client.fd.reset();
            continue;
          }
          if (step.status == proxy::Parser::Status::need_more) continue;
          proxy_headers_.push_back(client.parser->header());
          client.parser.reset();
          first = static_cast<ssize_t>(step.consumed);
        }
        if (expect_proxy_headers_) {
          const std::lock_guard lock(seen_mutex_);
          bytes_after_headers_ += static_cast<std::uint64_t>(n - first);
        }
        for (ssize_t b = first; b < n; ++b, ++client.offset) {
          char byte = buffer[b];
          const bool at_fault = client.offset == fault_offset_bytes_;
          const bool past_fault = client.offset >= fault_offset_bytes_;
          if (fault_ == Fault::drop_byte && at_fault) continue;
          if (fault_ == Fault::flip_byte && at_fault) byte = static_cast<char>(~byte);
          if (fault_ == Fault::duplicate_byte && at_fault) client.pending.push_back(byte);
          if (fault_ == Fault::reset && past_fault) {
            const linger abort_on_close{1, 0};
            ::setsockopt(client.fd.get(), SOL_SOCKET, SO_LINGER, &abort_on_close,
                         sizeof abort_on_close);
            client.fd.reset();
            break;
          }
          if ((fault_ == Fault::stall || fault_ == Fault::close_early) && past_fault) {
            client.shutdown_wanted = fault_ == Fault::close_early;
            continue;
          }
          client.pending.push_back(byte);
        }
        total_bytes += static_cast<std::uint64_t>(n - first);
        if (fault_ == Fault::hold_once && !held && total_bytes >= fault_offset_bytes_) {
          held = true;
          hold_until = std::chrono::steady_clock::now() + hold_;
        }
      }
      if (client.fd && !client.pending.empty() && (revents & POLLOUT)) {
        const ssize_t n =
            ::send(client.fd.get(), client.pending.data(), client.pending.size(), MSG_NOSIGNAL);
        if (n > 0) client.pending.erase(0, static_cast<std::size_t>(n));
        if (n < 0 && errno != EAGAIN && errno != EINTR) client.fd.reset();
      }
      if (client.fd && client.shutdown_wanted && !client.shut_down && client.pending.empty()) {
        ::shutdown(client.fd.get(), SHUT_WR);
        client.shut_down = true;
      }
    }
    std::erase_if(clients, [](const Client& c) { return !c.fd; });
  }
}

}  // namespace echo::bench::test
