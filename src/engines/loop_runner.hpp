// Runs one event loop per thread for the epoll and uring engines: the loop count
// (--threads, default one per core), which listeners each loop gets (the shared
// one, or its own SO_REUSEPORT copy), the limiter's wake-up for each loop, and
// the threads themselves (loop 0 runs on the calling thread).
#pragma once

#include <memory>
#include <thread>
#include <vector>

#include "core/server_context.hpp"
#include "engines/engine.hpp"

namespace echo {

inline unsigned event_loop_count(const ServerConfig& config) {
  if (config.threads > 0) return config.threads;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores > 0 ? cores : 1;
}

// make_loop(context, listeners, shared_listener) returns a std::unique_ptr to a
// loop with run() and a thread-safe wake(); listeners (the loop's copy) stay
// owned by the context.
template <class MakeLoop>
void run_event_loops(ServerContext& context, unsigned count, MakeLoop make_loop) {
  const bool shared_listener = context.listeners.size() == 1;
  std::vector<decltype(make_loop(context, context.listeners.at(0), shared_listener))> loops;
  // Declared after the loops, so no waker can reach a loop that is gone.
  std::vector<ConnectionLimiter::Registration> wakers;
  for (unsigned i = 0; i < count; ++i) {
    loops.push_back(
        make_loop(context, context.listeners.at(shared_listener ? 0 : i), shared_listener));
    wakers.push_back(context.limiter.add_waker([loop = loops.back().get()] { loop->wake(); }));
  }
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < count; ++i) {
    threads.emplace_back([&loop = *loops[i]] { loop.run(); });
  }
  loops[0]->run();
  for (auto& thread : threads) thread.join();
}

// An engine of `event_loop_count` loops of type Loop, constructed as
// Loop(context, listeners, shared_listener): the epoll and uring engines.
template <class Loop>
class EventLoopEngine final : public Engine {
 public:
  explicit EventLoopEngine(const ServerConfig& config)
      : loops_(event_loop_count(config)), reuse_port_(config.reuse_port) {}

  unsigned listener_copies() const override { return reuse_port_ ? loops_ : 1; }

  void run(ServerContext& context) override {
    run_event_loops(context, loops_,
                    [](ServerContext& c, const std::vector<Listener>& listeners, bool shared) {
                      return std::make_unique<Loop>(c, listeners, shared);
                    });
  }

 private:
  unsigned loops_;
  bool reuse_port_;
};

}  // namespace echo
