// Every behaviour test runs against every engine.
#pragma once

#include <gtest/gtest.h>

#include <string>

namespace echo::test {

class EngineTest : public ::testing::TestWithParam<std::string> {
 protected:
  const std::string& engine() const { return GetParam(); }
  bool is_blocking() const { return GetParam() == "blocking"; }
};

#define ECHO_INSTANTIATE_ENGINES(suite)                                              \
  INSTANTIATE_TEST_SUITE_P(AllEngines, suite,                                        \
                           ::testing::Values("blocking", "threads", "epoll"),        \
                           [](const auto& param_info) { return param_info.param; })

}  // namespace echo::test
