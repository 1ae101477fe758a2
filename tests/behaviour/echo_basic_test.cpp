// Echo correctness: whatever the bytes and however they are split.
#include <gtest/gtest.h>

#include "behaviour/engine_param.hpp"
#include "support/client_socket.hpp"
#include "support/server_process.hpp"

namespace echo::test {
namespace {

class EchoBasic : public EngineTest {};

TEST_P(EchoBasic, Hello) {
  ServerProcess server(kind());
  ASSERT_TRUE(server.started());
  auto fd = server.connect();
  ASSERT_TRUE(fd);
  ASSERT_TRUE(send_all(fd.get(), "hello\n"));
  EXPECT_EQ(recv_exact(fd.get(), 6), "hello\n");
}

ECHO_INSTANTIATE_ENGINES(EchoBasic);

}  // namespace
}  // namespace echo::test
