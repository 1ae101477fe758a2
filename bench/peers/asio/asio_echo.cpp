// asio-echo: a reference peer for benchmarks, not part of the product.
//
// Standalone Asio (Debian's libasio-dev, header-only) with C++20 coroutines, in
// the shape of Asio's own examples: the cpp20 coroutine echo server (a listener
// coroutine that co_spawns one coroutine per accepted socket) on an io_context
// per thread (the "io_context-per-CPU" pool of the HTTP server 2 example: one
// acceptor, each accepted socket handed to the next context round-robin). Each
// connection has a 16 KiB buffer in its coroutine frame (the project's server
// defaults to 16 KiB too). Errors arrive through redirect_error rather than as
// exceptions, so a client's close costs no throw. A signal_set for SIGINT and
// SIGTERM closes the acceptor and stops every context; the process exits 0.
//
// Build: g++ -std=c++20 -O2 -pthread asio_echo.cpp -o asio-echo
// Usage: asio-echo [--listen HOST:PORT] [--threads N]

#include <sched.h>

#include <algorithm>
#include <asio.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;

constexpr std::size_t kBufferSize = 16 * 1024;
constexpr const char* kUsage = "usage: asio-echo [--listen HOST:PORT] [--threads N]";

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "asio-echo: %s\n%s\n", message.c_str(), kUsage);
  std::exit(2);
}

// HOST:PORT or [V6]:PORT, numeric host only.
tcp::endpoint parse_endpoint(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) {
    usage_error("bad address '" + std::string(text) + "' (want HOST:PORT, [V6]:PORT)");
  }
  std::string host(text.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  char* end = nullptr;
  const std::string port_text(text.substr(colon + 1));
  const unsigned long port = std::strtoul(port_text.c_str(), &end, 10);
  if (ec || *end != '\0' || port > 65535) {
    usage_error("bad address '" + std::string(text) + "' (want HOST:PORT, [V6]:PORT)");
  }
  return {address, static_cast<unsigned short>(port)};
}

unsigned default_threads() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) {
    return static_cast<unsigned>(CPU_COUNT(&set));
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

awaitable<void> echo(tcp::socket socket) {
  std::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);  // like the project's server
  char data[kBufferSize];
  for (;;) {
    const std::size_t n = co_await socket.async_read_some(asio::buffer(data),
                                                          asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;  // EOF or error: the socket closes with the frame
    co_await asio::async_write(socket, asio::buffer(data, n),
                               asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
  }
}

awaitable<void> accept_loop(tcp::acceptor& acceptor,
                            std::vector<std::unique_ptr<asio::io_context>>& contexts) {
  std::size_t next = 0;
  for (;;) {
    asio::io_context& context = *contexts[next];
    next = (next + 1) % contexts.size();
    tcp::socket socket(context);
    std::error_code ec;
    co_await acceptor.async_accept(socket, asio::redirect_error(use_awaitable, ec));
    if (ec == asio::error::operation_aborted) co_return;  // acceptor closed: shutting down
    if (ec) {
      // E.g. EMFILE: report it and back off instead of spinning.
      std::fprintf(stderr, "asio-echo: accept: %s\n", ec.message().c_str());
      asio::steady_timer timer(acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    asio::co_spawn(context, echo(std::move(socket)), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 7878);
  unsigned threads = default_threads();
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view name = arg;
    std::string_view value;
    bool has_value = false;
    if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    auto take_value = [&]() -> std::string_view {
      if (has_value) return value;
      if (i + 1 >= argc) usage_error(std::string(name) + " needs a value");
      return argv[++i];
    };
    if (name == "-l" || name == "--listen") {
      endpoint = parse_endpoint(take_value());
    } else if (name == "-t" || name == "--threads") {
      const std::string text(take_value());
      char* end = nullptr;
      const unsigned long n = std::strtoul(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || n == 0 || n > 1024)
        usage_error("bad thread count '" + text + "'");
      threads = static_cast<unsigned>(n);
    } else if (name == "-h" || name == "--help") {
      std::puts(kUsage);
      return 0;
    } else {
      usage_error("unknown argument '" + std::string(arg) + "'");
    }
  }

  std::signal(SIGPIPE, SIG_IGN);

  // One io_context per thread, each run by exactly one thread (concurrency hint 1;
  // locking stays on, since the listener in context 0 hands sockets to the others).
  // Declared first so that it outlives everything bound to it.
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work;
  for (unsigned i = 0; i < threads; ++i) {
    contexts.push_back(std::make_unique<asio::io_context>(1));
    work.push_back(asio::make_work_guard(*contexts.back()));
  }

  try {
    tcp::acceptor acceptor(*contexts[0], endpoint);  // SO_REUSEADDR, bind, listen
    asio::signal_set signals(*contexts[0], SIGINT, SIGTERM);
    signals.async_wait([&](const std::error_code&, int) {
      std::error_code ignored;
      acceptor.close(ignored);  // stop accepting
      for (auto& context : contexts) context->stop();
    });

    std::cout << "listening on " << acceptor.local_endpoint() << std::endl;  // endl flushes

    asio::co_spawn(*contexts[0], accept_loop(acceptor, contexts), asio::detached);

    std::vector<std::thread> runners;
    for (unsigned i = 1; i < threads; ++i) {
      runners.emplace_back([&context = *contexts[i]] { context.run(); });
    }
    contexts[0]->run();
    for (auto& runner : runners) runner.join();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "asio-echo: %s\n", e.what());
    return 1;
  }
  // Destroying a context destroys the coroutine frames still queued on it, and with
  // them the sockets. Context 0 goes first: the listener's frame there may hold a
  // not-yet-accepted socket that belongs to another context.
  work.clear();
  for (auto& context : contexts) context.reset();
  return 0;
}
