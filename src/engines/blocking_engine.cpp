// The blocking engine: one client at a time, served to the end before the next
// is accepted (later clients wait in the listen backlog). The simplest correct
// echo server, and the baseline the other engines are compared with.
#include <poll.h>

#include <cstring>
#include <vector>

#include "core/accept_policy.hpp"
#include "core/connection_lifecycle.hpp"
#include "engines/engine.hpp"
#include "engines/engines.hpp"
#include "engines/session.hpp"
#include "net/socket.hpp"

namespace echo {

namespace {

class BlockingEngine final : public Engine {
 public:
  void run(ServerContext& context) override {
    BufferPool pool(context.config.buffer_size_bytes, 1);
    std::vector<pollfd> fds;
    for (auto& listener : context.listeners.at(0)) fds.push_back({listener.fd.get(), POLLIN, 0});
    fds.push_back({context.shutdown.latch_fd(), POLLIN, 0});

    while (!context.shutdown.draining()) {
      if (::poll(fds.data(), fds.size(), -1) < 0) continue;  // EINTR
      for (std::size_t i = 0; i + 1 < fds.size() && !context.shutdown.draining(); ++i) {
        if (!(fds[i].revents & POLLIN)) continue;
        // The limit is taken before accept, as in every engine; with one client
        // at a time and --max-connections at least 1, a slot is always free.
        if (!context.limiter.try_acquire()) continue;
        net::Address peer;
        const int fd = net::accept_connection(fds[i].fd, &peer);
        if (fd < 0) {
          context.limiter.cancel();
          if (classify_accept_failure(-fd) == AcceptFailure::exhausted) {
            pollfd latch{context.shutdown.latch_fd(), POLLIN, 0};
            ::poll(&latch, 1, static_cast<int>(kAcceptBackoff.count()));
          }
          continue;
        }
        note_accept_succeeded();
        net::UniqueFd connection(fd);
        if (auto record = admit_connection(context, peer, context.listeners[0][i].spec.preamble)) {
          serve_connection(std::move(connection), context.listeners[0][i], std::move(*record),
                           context, pool);
        }
      }
    }
  }
};

}  // namespace

std::unique_ptr<Engine> make_blocking_engine() {
  return std::make_unique<BlockingEngine>();
}

}  // namespace echo
