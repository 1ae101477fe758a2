// The threads engine: a thread per connection, each running the same session as
// the blocking engine. --max-connections caps the threads like a semaphore: at
// the limit the acceptor stops accepting until a session ends.
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <vector>

#include "core/accept_policy.hpp"
#include "core/connection_lifecycle.hpp"
#include "core/log.hpp"
#include "engines/engines.hpp"
#include "engines/session.hpp"
#include "net/socket.hpp"

namespace echo {

namespace {

// Sessions need little stack; the default 8 MiB would reserve 80 GiB of address
// space at 10,000 connections. Sanitizers get more room.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr std::size_t kSessionStackBytes = 4 << 20;
#else
constexpr std::size_t kSessionStackBytes = 256 << 10;
#endif

class ThreadsEngine final : public Engine {
 public:
  void run(ServerContext& context) override {
    net::UniqueFd slot_freed(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    // Dropped before slot_freed closes: no release can write to a reused number.
    const auto waker = context.limiter.add_waker([fd = slot_freed.get()] {
      const std::uint64_t one = 1;
      [[maybe_unused]] auto n = ::write(fd, &one, sizeof one);
    });

    std::vector<pollfd> fds;
    for (auto& listener : context.listeners.at(0)) fds.push_back({listener.fd.get(), POLLIN, 0});
    const std::size_t listener_count = fds.size();
    fds.push_back({context.shutdown.latch_fd(), POLLIN, 0});
    fds.push_back({slot_freed.get(), POLLIN, 0});

    using Clock = std::chrono::steady_clock;
    Clock::time_point backoff_until{};
    while (!context.shutdown.draining()) {
      const bool backing_off = Clock::now() < backoff_until;
      const bool accepting = !at_limit_ && !backing_off;
      for (std::size_t i = 0; i < listener_count; ++i) fds[i].events = accepting ? POLLIN : 0;
      const int timeout_ms = backing_off ? static_cast<int>(kAcceptBackoff.count()) : -1;
      if (::poll(fds.data(), fds.size(), timeout_ms) < 0) continue;  // EINTR
      if (fds.back().revents & POLLIN) {
        std::uint64_t count;
        [[maybe_unused]] auto n = ::read(slot_freed.get(), &count, sizeof count);
        at_limit_ = false;
      }
      for (std::size_t i = 0; i < listener_count; ++i) {
        if (fds[i].revents & POLLIN) accept_from(context.listeners[0][i], context, backoff_until);
      }
    }

    std::unique_lock lock(mutex_);
    all_done_.wait(lock, [this] { return live_sessions_ == 0; });
  }

 private:
  struct SessionStart {
    net::UniqueFd fd;
    const Listener* listener;
    ConnectionRecord record;
    ServerContext* context;
    ThreadsEngine* engine;
  };

  void accept_from(const Listener& listener, ServerContext& context,
                   std::chrono::steady_clock::time_point& backoff_until) {
    while (!context.shutdown.draining()) {
      if (!context.limiter.try_acquire()) {
        at_limit_ = true;  // the failed acquire armed the waker
        return;
      }
      net::Address peer;
      const int fd = net::accept_connection(listener.fd.get(), &peer);
      if (fd < 0) {
        context.limiter.cancel();
        const AcceptFailure failure = classify_accept_failure(-fd);
        if (failure == AcceptFailure::exhausted) {
          backoff_until = std::chrono::steady_clock::now() + kAcceptBackoff;
        }
        if (failure != AcceptFailure::transient) return;
        continue;
      }
      note_accept_succeeded();
      net::UniqueFd connection(fd);
      if (auto record = admit_connection(context, peer, listener.spec.preamble)) {
        start_session(std::move(connection), listener, std::move(*record), context);
      }
    }
  }

  void start_session(net::UniqueFd fd, const Listener& listener, ConnectionRecord record,
                     ServerContext& context) {
    auto start = std::make_unique<SessionStart>(
        SessionStart{std::move(fd), &listener, std::move(record), &context, this});
    {
      std::lock_guard lock(mutex_);
      ++live_sessions_;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, kSessionStackBytes);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    const int error = pthread_create(&thread, &attr, &session_main, start.get());
    pthread_attr_destroy(&attr);
    if (error == 0) {
      start.release();  // the thread owns it now
      return;
    }
    log::event(log::Level::warn, "thread-failed", {{"error", std::strerror(error)}});
    if (listener.spec.preamble == Preamble::proxy) {
      context.limiter.release();  // it never opened: no header, no admission yet
    } else {
      end_connection(context, start->record, CloseReason::error, 0, error);
    }
    start.reset();  // closes the connection
    session_ended();
  }

  static void* session_main(void* raw) {
    std::unique_ptr<SessionStart> start(static_cast<SessionStart*>(raw));
    ServerContext& context = *start->context;
    {
      BufferPool pool(context.config.buffer_size_bytes, 1);
      serve_connection(std::move(start->fd), *start->listener, std::move(start->record), context,
                       pool);
    }
    start->engine->session_ended();
    return nullptr;
  }

  void session_ended() {
    std::lock_guard lock(mutex_);
    if (--live_sessions_ == 0) all_done_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable all_done_;
  std::size_t live_sessions_ = 0;
  bool at_limit_ = false;
};

}  // namespace

std::unique_ptr<Engine> make_threads_engine() {
  return std::make_unique<ThreadsEngine>();
}

}  // namespace echo
