// Every behaviour test runs against every engine, over a TCP listener on
// 127.0.0.1 (AllEngines/...), over one on [::1] (IPv6Listener/...) and over a
// Unix socket listener (UnixListener/...).
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "engines/engines.hpp"
#include "support/client_socket.hpp"
#include "support/server_process.hpp"

namespace echo::test {

// Why the uring engine cannot run on this machine, or nullopt; probed once.
inline const std::optional<std::string>& uring_unavailable() {
  static const std::optional<std::string> reason = echo::uring_unavailable_reason();
  return reason;
}

// A uring test on a kernel (or sandbox) without usable io_uring skips, saying why.
#define ECHO_SKIP_IF_ENGINE_UNAVAILABLE(engine_name)                                  \
  do {                                                                                \
    if ((engine_name) == "uring" && ::echo::test::uring_unavailable()) {              \
      GTEST_SKIP() << "io_uring unavailable: " << *::echo::test::uring_unavailable(); \
    }                                                                                 \
  } while (0)

class EngineTest : public ::testing::TestWithParam<ServerKind> {
 protected:
  void SetUp() override {
    ECHO_SKIP_IF_ENGINE_UNAVAILABLE(engine());
    if (GetParam().listen == ListenKind::tcp6 && !ipv6_loopback_available())
      GTEST_SKIP() << "no IPv6 loopback (::1) on this machine";
  }
  // What to start: ServerProcess server(kind(), {...}).
  const ServerKind& kind() const { return GetParam(); }
  const std::string& engine() const { return GetParam().engine; }
  bool is_blocking() const { return engine() == "blocking"; }
  bool over_unix() const { return GetParam().listen == ListenKind::unix_socket; }
};

#define ECHO_ENGINE_NAMES "blocking", "threads", "epoll", "uring"

#define ECHO_SERVER_KINDS(listen_kind)                                 \
  ::testing::Values(::echo::test::ServerKind{"blocking", listen_kind}, \
                    ::echo::test::ServerKind{"threads", listen_kind},  \
                    ::echo::test::ServerKind{"epoll", listen_kind},    \
                    ::echo::test::ServerKind{"uring", listen_kind}),   \
      [](const auto& param_info) { return param_info.param.engine; }

// Over TCP only, for suites that would add nothing over a Unix socket (say why
// where it is used).
#define ECHO_INSTANTIATE_ENGINES_TCP_ONLY(suite) \
  INSTANTIATE_TEST_SUITE_P(AllEngines, suite, ECHO_SERVER_KINDS(::echo::test::ListenKind::tcp))

#define ECHO_INSTANTIATE_ENGINES(suite)                                        \
  ECHO_INSTANTIATE_ENGINES_TCP_ONLY(suite);                                    \
  INSTANTIATE_TEST_SUITE_P(IPv6Listener, suite,                                \
                           ECHO_SERVER_KINDS(::echo::test::ListenKind::tcp6)); \
  INSTANTIATE_TEST_SUITE_P(UnixListener, suite,                                \
                           ECHO_SERVER_KINDS(::echo::test::ListenKind::unix_socket))

}  // namespace echo::test
