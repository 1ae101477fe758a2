// echo-client interactive mode against the real server: each line comes back
// whole, in order, including empty lines and lines longer than any buffer.
#include <gtest/gtest.h>

#include "behaviour/engine_param.hpp"
#include "client/client_harness.hpp"
#include "support/client_socket.hpp"
#include "support/server_process.hpp"

namespace echo::test {
namespace {

constexpr std::size_t kLongLineBytes = 100'000;
// Bigger than loopback socket buffers plus the server's buffer: a client that
// sent the whole line before reading its echo would deadlock.
constexpr std::size_t kHugeLineBytes = 16 << 20;

// Printable, newline-free bytes for a line.
std::string line_of(std::size_t n, std::uint64_t seed) {
  std::string line = random_bytes(n, seed);
  for (char& c : line) c = static_cast<char>('!' + static_cast<unsigned char>(c) % 94);
  return line;
}

class ClientInteractive : public EngineTest {
 protected:
  ClientRun run_lines(const std::string& input) {
    ServerProcess server(engine());
    EXPECT_TRUE(server.started());
    write_file(dir_.path("in"), input);
    return run_client({"--interactive", loopback(server.port())}, dir_.path("in"),
                      dir_.path("out"));
  }
  std::string output() const { return read_file(dir_.path("out")); }

  TempDir dir_;
};

TEST_P(ClientInteractive, PrintsExactlyTheLinesSent) {
  const std::string input = "first line\n\nthird, after an empty one\n" +
                            line_of(kLongLineBytes, 1) +
                            "\n\tlast\x01 line with odd bytes \xc3\xa9\n";
  const ClientRun run = run_lines(input);
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  EXPECT_EQ(run.stderr_text, "");
  EXPECT_TRUE(output() == input) << "stdout differs; " << output().size() << " bytes vs "
                                 << input.size();
}

TEST_P(ClientInteractive, LastLineWithoutNewlineIsSentWithOne) {
  const ClientRun run = run_lines("one\ntwo");
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  EXPECT_EQ(output(), "one\ntwo\n");
}

TEST_P(ClientInteractive, LineLargerThanAllBuffers) {
  const std::string input = line_of(kHugeLineBytes, 2) + "\nafter\n";
  const ClientRun run = run_lines(input);
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  EXPECT_TRUE(output() == input);
}

TEST_P(ClientInteractive, EmptyInputExitsCleanly) {
  const ClientRun run = run_lines("");
  EXPECT_EQ(run.exit_code, 0) << run.stderr_text;
  EXPECT_EQ(output(), "");
}

// echo-client speaks TCP only.
ECHO_INSTANTIATE_ENGINES_TCP_ONLY(ClientInteractive);

}  // namespace
}  // namespace echo::test
