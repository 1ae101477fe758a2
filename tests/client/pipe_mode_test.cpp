// echo-client pipe mode against the real server: whatever goes in comes out,
// byte for byte, for every engine and input shape.
#include <gtest/gtest.h>

#include "behaviour/engine_param.hpp"
#include "client/client_harness.hpp"
#include "support/client_socket.hpp"
#include "support/server_process.hpp"

namespace echo::test {
namespace {

constexpr std::size_t kLargeInputBytes = 8 << 20;

class ClientPipe : public EngineTest {
 protected:
  // Streams `input` through echo-client and the server; checks exit 0 and cmp.
  void expect_round_trip(const std::string& input,
                         const std::vector<std::string>& server_args = {}) {
    ServerProcess server(engine(), server_args);
    ASSERT_TRUE(server.started());
    write_file(dir_.path("in"), input);
    const ClientRun run =
        run_client({"--pipe", loopback(server.port())}, dir_.path("in"), dir_.path("out"));
    ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
    EXPECT_EQ(run.stderr_text, "");
    const std::string output = read_file(dir_.path("out"));
    ASSERT_EQ(output.size(), input.size());
    EXPECT_TRUE(output == input) << "the output differs from the input";
  }

  TempDir dir_;
};

// Several MiB: far more than the socket buffers and the server's buffer, so a
// client that wrote everything before reading would deadlock here.
TEST_P(ClientPipe, LargeRandomFileComesBackIdentical) {
  expect_round_trip(random_bytes(kLargeInputBytes, 42));
}

TEST_P(ClientPipe, EveryByteValueWithoutTrailingNewline) {
  using namespace std::string_literals;
  std::string input;
  for (int round = 0; round < 64; ++round) {
    for (int value = 0; value < 256; ++value) input += static_cast<char>(value);
  }
  input += "\r\n\0\xff last"s;
  ASSERT_NE(input.back(), '\n');
  expect_round_trip(input);
}

TEST_P(ClientPipe, EmptyInputGivesEmptyOutput) {
  expect_round_trip("");
}

// A server that holds only 64 bytes per connection echoes in many tiny pieces.
TEST_P(ClientPipe, TinyServerBuffer) {
  expect_round_trip(random_bytes(1 << 20, 7), {"--buffer-size", "64"});
}

// echo-client speaks TCP only.
ECHO_INSTANTIATE_ENGINES_TCP_ONLY(ClientPipe);

// stdin a pipe that delivers data in pieces, then ends: the client must poll it,
// not assume a file, and see its end (POLLHUP) only after the last byte.
TEST(ClientPipeStdin, FifoInputInPieces) {
  TempDir dir;
  ServerProcess server("epoll");
  ASSERT_TRUE(server.started());
  Fifo fifo(dir.path("fifo"));
  Process client(ECHO_CLIENT_PATH, {loopback(server.port())},
                 redirect(fifo.path(), dir.path("out")));
  std::string input;
  for (std::uint64_t piece = 0; piece < 64; ++piece) {
    const std::string bytes = random_bytes(64 * 1024 + piece, piece);
    ASSERT_TRUE(fifo.write_all(bytes));
    input += bytes;
  }
  fifo.close();
  const ClientRun run = finish_client(client);
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  EXPECT_TRUE(read_file(dir.path("out")) == input);
}

}  // namespace
}  // namespace echo::test
