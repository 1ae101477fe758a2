// echo-server: every byte a client sends comes back to it (RFC 862).
//   echo-server --listen 127.0.0.1:7878 --engine epoll
//   nc 127.0.0.1 7878
#include <signal.h>

#include <cstdio>
#include <exception>
#include <iostream>

#include "core/listeners.hpp"
#include "core/log.hpp"
#include "core/server_context.hpp"
#include "engines/engine.hpp"
#include "server/cli.hpp"

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  auto parsed = echo::parse_command_line(argc, argv);
  if (!parsed.options) return parsed.exit_code;
  echo::ServerConfig& config = parsed.options->config;

  try {
    echo::Shutdown::block_signals();
    echo::log::setup(config.log_level, config.log_format);
    // Resolved first, so the start line names the engine that actually runs.
    config.engine = echo::resolve_engine(config.engine);
    auto engine = echo::make_engine(config);
    echo::ServerContext context(config);
    context.listeners = echo::open_listeners(context.config, engine->listener_copies());

    std::vector<int> listener_fds;
    for (auto& copy : context.listeners)
      for (auto& listener : copy) listener_fds.push_back(listener.fd.get());
    context.shutdown.set_listeners(std::move(listener_fds));
    context.shutdown.install_signal_handling();

    for (const auto& listener : context.listeners.at(0)) {
      std::printf("listening on %s\n", listener.spec.to_string().c_str());
    }
    std::fflush(stdout);
    echo::log::event(echo::log::Level::info, "start",
                     {{"engine", echo::to_string(config.engine)},
                      {"buffer_size", config.buffer_size_bytes},
                      {"max_connections", config.max_connections}});
    echo::log::flush();
    engine->run(context);
    echo::log::event(echo::log::Level::info, "stopped");
    spdlog::default_logger()->flush();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "echo-server: " << e.what() << "\n";
    return 1;
  }
}
