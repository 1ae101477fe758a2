// Every behaviour test runs against every engine.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "engines/engines.hpp"

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

class EngineTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { ECHO_SKIP_IF_ENGINE_UNAVAILABLE(GetParam()); }
  const std::string& engine() const { return GetParam(); }
  bool is_blocking() const { return GetParam() == "blocking"; }
};

#define ECHO_ENGINE_NAMES "blocking", "threads", "epoll", "uring"

#define ECHO_INSTANTIATE_ENGINES(suite)                                             \
  INSTANTIATE_TEST_SUITE_P(AllEngines, suite, ::testing::Values(ECHO_ENGINE_NAMES), \
                           [](const auto& param_info) { return param_info.param; })

}  // namespace echo::test
