// echo-client when the session goes wrong: early close, wrong or short echo, no
// echo in time. Each ends with exit 1 and one clear stderr line. The real server
// covers the early close; a scripted server plays the misbehaviour a correct
// server never shows.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include "behaviour/engine_param.hpp"
#include "client/client_harness.hpp"
#include "support/client_socket.hpp"
#include "support/server_process.hpp"

namespace echo::test {
namespace {

constexpr int kSessionExit = 1;

void expect_one_error(const ClientRun& run, const std::string& needle) {
  EXPECT_EQ(run.exit_code, kSessionExit);
  EXPECT_EQ(count_error_lines(run.stderr_text), 1u) << run.stderr_text;
  EXPECT_NE(run.stderr_text.find(needle), std::string::npos) << run.stderr_text;
}

// The server's idle timeout closes the connection while stdin (a FIFO the test
// never writes) has nothing to send: a deterministic early close.
class ClientServerCloses : public EngineTest {
 protected:
  ClientRun run_idle_client(const std::string& mode) {
    ServerProcess server(engine(), {"--idle-timeout", "200ms"});
    EXPECT_TRUE(server.started());
    Fifo fifo(dir_.path("fifo"));
    Process client(ECHO_CLIENT_PATH, {mode, loopback(server.port())},
                   redirect(fifo.path(), dir_.path("out")));
    return finish_client(client);
  }
  TempDir dir_;
};

TEST_P(ClientServerCloses, InteractiveReportsTheCloseWhileWaitingForInput) {
  expect_one_error(run_idle_client("--interactive"),
                   "the server closed the connection while waiting for input");
}

TEST_P(ClientServerCloses, PipeReportsTheCloseBeforeInputEnded) {
  expect_one_error(run_idle_client("--pipe"),
                   "the server closed the connection before the input ended");
}

// echo-client speaks TCP only.
ECHO_INSTANTIATE_ENGINES_TCP_ONLY(ClientServerCloses);

class ClientScripted : public ::testing::Test {
 protected:
  std::unique_ptr<Process> start_client(const std::string& input,
                                        const std::vector<std::string>& extra = {}) {
    write_file(dir_.path("in"), input);
    std::vector<std::string> args = extra;
    args.push_back(loopback(server_.port()));
    return std::make_unique<Process>(ECHO_CLIENT_PATH, args,
                                     redirect(dir_.path("in"), dir_.path("out")));
  }
  std::string output() const { return read_file(dir_.path("out")); }

  TempDir dir_;
  ScriptedServer server_;
};

TEST_F(ClientScripted, WrongEchoIsReportedAndNotPrinted) {
  auto client = start_client("hello\n", {"--interactive"});
  const net::UniqueFd peer = server_.accept_one();
  ASSERT_TRUE(peer);
  ASSERT_EQ(recv_exact(peer.get(), 6), "hello\n");
  ASSERT_TRUE(send_all(peer.get(), "hellO\n"));
  expect_one_error(finish_client(*client),
                   "the echo of line 1 differs from what was sent, at byte 4");
  EXPECT_EQ(output(), "");
}

TEST_F(ClientScripted, ShortEchoThenCloseIsReportedAndNotPrinted) {
  auto client = start_client("first\nsecond\n", {"--interactive"});
  const net::UniqueFd peer = server_.accept_one();
  ASSERT_TRUE(peer);
  ASSERT_EQ(recv_exact(peer.get(), 6), "first\n");
  ASSERT_TRUE(send_all(peer.get(), "first\n"));
  ASSERT_EQ(recv_exact(peer.get(), 7), "second\n");
  ASSERT_TRUE(send_all(peer.get(), "sec"));
  ::shutdown(peer.get(), SHUT_WR);
  expect_one_error(finish_client(*client),
                   "closed the connection after echoing 3 of 7 bytes of line 2");
  EXPECT_EQ(output(), "first\n");
}

TEST_F(ClientScripted, NoEchoWithinReplyTimeout) {
  auto client = start_client("anyone there?\n", {"--interactive", "--reply-timeout", "200ms"});
  const net::UniqueFd peer = server_.accept_one();
  ASSERT_TRUE(peer);
  ASSERT_EQ(recv_exact(peer.get(), 14), "anyone there?\n");
  ASSERT_TRUE(send_all(peer.get(), "any"));
  expect_one_error(finish_client(*client),
                   "no complete echo of line 1 within 200ms (got 3 of 14 bytes)");
  EXPECT_EQ(output(), "");
}

TEST_F(ClientScripted, ExtraBytesAfterTheLastEcho) {
  auto client = start_client("hi\n", {"--interactive"});
  const net::UniqueFd peer = server_.accept_one();
  ASSERT_TRUE(peer);
  ASSERT_EQ(recv_exact(peer.get(), 3), "hi\n");
  ASSERT_TRUE(send_all(peer.get(), "hi\n"));
  // The client half-closes at the end of its input; only then does junk arrive.
  ASSERT_EQ(recv_until_end(peer.get()).end, StreamEnd::eof);
  ASSERT_TRUE(send_all(peer.get(), "junk"));
  expect_one_error(finish_client(*client), "the server sent 4 bytes after the last echo");
}

TEST_F(ClientScripted, PipeModeShortEcho) {
  auto client = start_client("0123456789", {"--pipe"});
  const net::UniqueFd peer = server_.accept_one();
  ASSERT_TRUE(peer);
  ASSERT_EQ(recv_until_end(peer.get()).data, "0123456789");
  ASSERT_TRUE(send_all(peer.get(), "01234"));
  ::shutdown(peer.get(), SHUT_WR);
  expect_one_error(finish_client(*client), "before echoing everything (sent 10 bytes, 5 echoed)");
  EXPECT_EQ(output(), "01234");
}

TEST_F(ClientScripted, PipeModeTooMuchEcho) {
  auto client = start_client("abc", {"--pipe"});
  const net::UniqueFd peer = server_.accept_one();
  ASSERT_TRUE(peer);
  ASSERT_EQ(recv_until_end(peer.get()).data, "abc");
  ASSERT_TRUE(send_all(peer.get(), "abcd"));
  expect_one_error(finish_client(*client), "the server sent more bytes than it was sent");
}

TEST_F(ClientScripted, PipeModeReset) {
  auto client = start_client("abc", {"--pipe"});
  net::UniqueFd peer = server_.accept_one();
  ASSERT_TRUE(peer);
  ASSERT_EQ(recv_until_end(peer.get()).data, "abc");
  // SO_LINGER 0: close sends RST instead of FIN.
  const linger abort_on_close{1, 0};
  ASSERT_EQ(::setsockopt(peer.get(), SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close),
            0);
  peer.reset();
  expect_one_error(finish_client(*client), "connection lost: Connection reset by peer");
}

}  // namespace
}  // namespace echo::test
