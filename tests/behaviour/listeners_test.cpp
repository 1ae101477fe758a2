// Typed listeners, for every engine: Unix socket listeners (echo, file mode,
// removal at exit, a stale file replaced, a live one or a non-socket refused),
// ":PORT" on IPv4 and IPv6 at once, the "listening on" lines, several listeners
// of mixed kinds in one server, and --reuseport with a Unix listener.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "behaviour/engine_param.hpp"
#include "net/address.hpp"
#include "net/socket.hpp"
#include "net/unique_fd.hpp"
#include "net/unix_socket.hpp"
#include "support/client_socket.hpp"
#include "support/process.hpp"
#include "support/server_process.hpp"

namespace echo::test {
namespace {

bool round_trip(int fd, const std::string& message) {
  return send_all(fd, message) && recv_exact(fd, message.size(), 5s) == message;
}

std::uint16_t port_of(const std::string& line) {
  return static_cast<std::uint16_t>(std::stoul(line.substr(line.rfind(':') + 1)));
}

net::UniqueFd connect_to_text(const std::string& address_text, int* error = nullptr) {
  auto address = net::parse_address(address_text);
  int code = 0;
  net::UniqueFd fd = address ? net::connect_to(*address, 5s, &code) : net::UniqueFd();
  if (error) *error = -code;
  return fd;
}

bool have_ipv6_loopback() {
  net::UniqueFd fd(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return false;
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_addr = in6addr_loopback;
  return ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
}

bool exists(const std::string& path) {
  struct stat status {};
  return ::lstat(path.c_str(), &status) == 0;
}

// A Unix socket bound at path by the test itself; listening or not.
net::UniqueFd bind_unix(const std::string& path, bool listen) {
  auto address = net::unix_address(path);
  net::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!address || !fd || ::bind(fd.get(), address->sa(), address->length) != 0) return {};
  if (listen && ::listen(fd.get(), 8) != 0) return {};
  return fd;
}

struct Finished {
  std::optional<int> code;
  std::string stderr_text;
};

// Runs the server until it exits (it is expected to fail at start).
Finished run_to_exit(const std::vector<std::string>& args) {
  Process server(ECHO_SERVER_PATH, args);
  Finished result;
  result.code = server.wait_exit(10s);
  server.wait_for_stderr("\x01never", 5s);  // until the pipe closes
  result.stderr_text = server.stderr_text();
  return result;
}

class Listeners : public EngineTest {
 protected:
  std::vector<std::string> with_engine(std::vector<std::string> args) const {
    args.insert(args.end(), {"--engine", engine()});
    return args;
  }
  SocketDir dir_;
};

TEST_P(Listeners, UnixSocketEchoesAndNamesThePeerUnix) {
  // TCP options asked for must not be tried on a Unix connection: debug would log the failure.
  ServerProcess server(ServerKind{engine(), ListenKind::unix_socket},
                       {"--keepalive", "60", "--log-level", "debug"});
  ASSERT_TRUE(server.started());
  EXPECT_TRUE(server.process().wait_for_stdout("listening on unix:" + server.socket_path(), 1s));
  auto fd = server.connect();
  ASSERT_TRUE(fd);
  ASSERT_TRUE(round_trip(fd.get(), "over a unix socket\n"));
  ASSERT_EQ(::shutdown(fd.get(), SHUT_WR), 0);
  EXPECT_EQ(recv_until_end(fd.get()).end, StreamEnd::eof);
  const auto line = server.process().wait_for_stderr("reason=eof", 5s);
  ASSERT_TRUE(line) << server.process().stderr_text();
  EXPECT_NE(line->find("peer=unix in=19 out=19 "), std::string::npos) << *line;
  EXPECT_EQ(server.process().count_stderr("setsockopt-failed"), 0u)
      << server.process().stderr_text();
}

TEST_P(Listeners, SocketFileIsMode0660WhateverTheUmask) {
  for (const mode_t umask_bits : {mode_t{0}, mode_t{077}}) {
    SCOPED_TRACE("umask " + std::to_string(umask_bits));
    const mode_t old_umask = ::umask(umask_bits);  // inherited by the server
    ServerProcess server(ServerKind{engine(), ListenKind::unix_socket});
    ::umask(old_umask);
    ASSERT_TRUE(server.started());
    struct stat status {};
    ASSERT_EQ(::lstat(server.socket_path().c_str(), &status), 0) << std::strerror(errno);
    EXPECT_TRUE(S_ISSOCK(status.st_mode));
    EXPECT_EQ(status.st_mode & 07777, 0660u) << std::oct << (status.st_mode & 07777);
  }
}

TEST_P(Listeners, SocketFileIsRemovedAfterSigtermExit) {
  ServerProcess server(ServerKind{engine(), ListenKind::unix_socket});
  ASSERT_TRUE(server.started());
  auto fd = server.connect();
  ASSERT_TRUE(fd);
  ASSERT_TRUE(round_trip(fd.get(), "bye\n"));
  fd.reset();
  ASSERT_TRUE(exists(server.socket_path()));
  server.process().send_signal(SIGTERM);
  ASSERT_EQ(server.process().wait_exit(10s), 0) << server.process().stderr_text();
  EXPECT_FALSE(exists(server.socket_path())) << "socket file left behind";
}

TEST_P(Listeners, SocketFileIsRemovedWhenStartFails) {
  ASSERT_TRUE(dir_.ok());
  const std::string path = dir_.file("echo.sock");
  net::UniqueFd holder = bind_unix(dir_.file("taken.sock"), true);
  ASSERT_TRUE(holder);
  // The first listener opens, the second cannot: the first one's file must go too.
  const Finished run = run_to_exit(
      with_engine({"--listen", "unix:" + path, "--listen", "unix:" + dir_.file("taken.sock")}));
  ASSERT_TRUE(run.code);
  EXPECT_EQ(*run.code, 1) << run.stderr_text;
  EXPECT_FALSE(exists(path)) << "socket file left behind after a failed start";
  EXPECT_TRUE(exists(dir_.file("taken.sock"))) << "another server's socket file was removed";
}

TEST_P(Listeners, StaleSocketFileIsReplaced) {
  ASSERT_TRUE(dir_.ok());
  const std::string path = dir_.file("echo.sock");
  ASSERT_TRUE(bind_unix(path, false));  // closed without unlink: what a crash leaves
  ASSERT_TRUE(exists(path));

  Process server(ECHO_SERVER_PATH, with_engine({"--listen", "unix:" + path}));
  ASSERT_TRUE(server.wait_for_stdout("listening on unix:" + path, 20s)) << server.stderr_text();
  auto fd = connect_unix(path);
  ASSERT_TRUE(fd);
  EXPECT_TRUE(round_trip(fd.get(), "replaced\n"));
}

TEST_P(Listeners, LiveListenerOnThePathExitsOne) {
  ASSERT_TRUE(dir_.ok());
  const std::string path = dir_.file("echo.sock");
  net::UniqueFd holder = bind_unix(path, true);
  ASSERT_TRUE(holder);

  const Finished run = run_to_exit(with_engine({"--listen", "unix:" + path}));
  ASSERT_TRUE(run.code);
  EXPECT_EQ(*run.code, 1) << run.stderr_text;
  const auto lines = lines_of(run.stderr_text);
  ASSERT_EQ(lines.size(), 1u) << run.stderr_text;
  EXPECT_EQ(lines[0], "echo-server: cannot listen on unix:" + path + ": address already in use");
  EXPECT_TRUE(exists(path)) << "the live listener's socket file was removed";
  // The live listener still takes connections.
  EXPECT_TRUE(connect_unix(path));
}

TEST_P(Listeners, NonSocketFileAtThePathIsRefused) {
  ASSERT_TRUE(dir_.ok());
  const std::string path = dir_.file("echo.sock");
  std::ofstream(path) << "not a socket\n";

  const Finished run = run_to_exit(with_engine({"--listen", "unix:" + path}));
  ASSERT_TRUE(run.code);
  EXPECT_EQ(*run.code, 1) << run.stderr_text;
  const auto lines = lines_of(run.stderr_text);
  ASSERT_EQ(lines.size(), 1u) << run.stderr_text;
  EXPECT_EQ(lines[0],
            "echo-server: cannot listen on unix:" + path + ": the path exists and is not a socket");
  std::ifstream in(path);
  std::string content;
  std::getline(in, content);
  EXPECT_EQ(content, "not a socket") << "the file was changed";
}

TEST_P(Listeners, BarePortServesIpv4AndIpv6FromOneSocket) {
  Process server(ECHO_SERVER_PATH, with_engine({"--listen", ":0"}));
  const auto line = server.wait_for_stdout("listening on :", 20s);
  ASSERT_TRUE(line) << server.stderr_text();
  EXPECT_EQ(server.stdout_text(), *line + "\n") << "one socket, one line";
  const std::string port = std::to_string(port_of(*line));

  int error = 0;
  auto v4 = connect_to_text("127.0.0.1:" + port, &error);
  ASSERT_TRUE(v4) << std::strerror(error);
  EXPECT_TRUE(round_trip(v4.get(), "over ipv4\n"));
  v4.reset();  // the blocking engine serves one client at a time
  if (!have_ipv6_loopback()) GTEST_SKIP() << "no IPv6 loopback here (cannot bind [::1])";
  auto v6 = connect_to_text("[::1]:" + port, &error);
  ASSERT_TRUE(v6) << std::strerror(error);
  EXPECT_TRUE(round_trip(v6.get(), "over ipv6\n"));
}

TEST_P(Listeners, ListeningLinesShowTheGivenFormWithTheRealPort) {
  ASSERT_TRUE(dir_.ok());
  const std::string path = dir_.file("echo.sock");
  Process server(ECHO_SERVER_PATH,
                 with_engine({"--listen", "tcp://127.0.0.1:0", "--listen", "localhost:0",
                              "--listen", "tcp://:0", "--listen", "unix:" + path}));
  ASSERT_TRUE(server.wait_for_stdout("listening on unix:", 20s)) << server.stderr_text();
  const auto lines = lines_of(server.stdout_text());
  ASSERT_EQ(lines.size(), 4u) << server.stdout_text();
  const std::vector<std::string> prefixes{
      "listening on tcp://127.0.0.1:", "listening on localhost:", "listening on tcp://:"};
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    ASSERT_EQ(lines[i].rfind(prefixes[i], 0), 0u) << lines[i];
    const std::string port = lines[i].substr(prefixes[i].size());
    ASSERT_FALSE(port.empty());
    EXPECT_EQ(port.find_first_not_of("0123456789"), std::string::npos) << lines[i];
    EXPECT_NE(port_of(lines[i]), 0) << lines[i];
    auto fd = connect_to_text("127.0.0.1:" + port);
    ASSERT_TRUE(fd) << lines[i];
    EXPECT_TRUE(round_trip(fd.get(), "line " + std::to_string(i) + "\n")) << lines[i];
  }
  EXPECT_EQ(lines[3], "listening on unix:" + path);
}

TEST_P(Listeners, TcpAndUnixListenersInOneServerServeAtOnce) {
  ASSERT_TRUE(dir_.ok());
  const std::string path = dir_.file("echo.sock");
  Process server(ECHO_SERVER_PATH,
                 with_engine({"--listen", "127.0.0.1:0", "--listen", "unix:" + path}));
  const auto tcp_line = server.wait_for_stdout("listening on 127.0.0.1:", 20s);
  ASSERT_TRUE(tcp_line) << server.stderr_text();
  ASSERT_TRUE(server.wait_for_stdout("listening on unix:", 5s)) << server.stderr_text();

  auto over_tcp = connect_loopback(port_of(*tcp_line));
  ASSERT_TRUE(over_tcp);
  ASSERT_TRUE(round_trip(over_tcp.get(), "tcp\n"));
  const std::string tcp_peer = peer_name(over_tcp.get());
  // The blocking engine holds one client at a time: there the TCP client leaves first.
  if (is_blocking()) over_tcp.reset();
  auto over_unix = connect_unix(path);
  ASSERT_TRUE(over_unix);
  ASSERT_TRUE(round_trip(over_unix.get(), "unix\n"));
  // Both open at once elsewhere: neither listener waits for the other.
  if (!is_blocking()) {
    EXPECT_TRUE(round_trip(over_tcp.get(), "tcp again\n"));
  }
  over_tcp.reset();
  over_unix.reset();
  const std::string tcp_bytes = is_blocking() ? "4" : "14";
  EXPECT_TRUE(
      server.wait_for_stderr("peer=" + tcp_peer + " in=" + tcp_bytes + " out=" + tcp_bytes, 5s))
      << server.stderr_text();
  EXPECT_TRUE(server.wait_for_stderr("peer=unix in=5 out=5", 5s)) << server.stderr_text();
}

TEST_P(Listeners, ReuseportWithAUnixListenerStillServes) {
  ASSERT_TRUE(dir_.ok());
  const std::string path = dir_.file("echo.sock");
  constexpr int kClients = 12;
  Process server(ECHO_SERVER_PATH, with_engine({"--reuseport", "--threads", "3", "--listen",
                                                "unix:" + path, "--listen", "127.0.0.1:0"}));
  const auto tcp_line = server.wait_for_stdout("listening on 127.0.0.1:", 20s);
  ASSERT_TRUE(tcp_line) << server.stderr_text();
  EXPECT_EQ(lines_of(server.stdout_text()).front(), "listening on unix:" + path);

  std::vector<net::UniqueFd> clients;
  for (int i = 0; i < kClients; ++i) {
    // The blocking engine holds one client at a time: each is done before the next.
    if (is_blocking()) clients.clear();
    int error = 0;
    clients.push_back(connect_unix(path, &error));
    ASSERT_TRUE(clients.back()) << "client " << i << ": " << std::strerror(error);
    ASSERT_TRUE(round_trip(clients.back().get(), "client " + std::to_string(i) + "\n"))
        << "client " << i;
  }
  clients.clear();
  auto over_tcp = connect_loopback(port_of(*tcp_line));
  ASSERT_TRUE(over_tcp);
  EXPECT_TRUE(round_trip(over_tcp.get(), "tcp\n"));
  over_tcp.reset();

  server.send_signal(SIGTERM);
  ASSERT_EQ(server.wait_exit(10s), 0) << server.stderr_text();
  EXPECT_FALSE(exists(path)) << "socket file left behind";
}

TEST(ListenersConfig, ConfigFileTakesTheSameListenStrings) {
  SocketDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.file("echo.sock");
  const std::string config = dir.file("server.toml");
  std::ofstream(config) << "listen = [\"tcp://127.0.0.1:0\", \"unix:" << path << "\"]\n";
  Process server(ECHO_SERVER_PATH, {"--config", config});
  const auto tcp_line = server.wait_for_stdout("listening on tcp://127.0.0.1:", 20s);
  ASSERT_TRUE(tcp_line) << server.stderr_text();
  ASSERT_TRUE(server.wait_for_stdout("listening on unix:" + path, 5s)) << server.stderr_text();
  auto over_tcp = connect_loopback(port_of(*tcp_line));
  ASSERT_TRUE(over_tcp);
  EXPECT_TRUE(round_trip(over_tcp.get(), "from config\n"));
  auto over_unix = connect_unix(path);
  ASSERT_TRUE(over_unix);
  EXPECT_TRUE(round_trip(over_unix.get(), "from config\n"));

  std::ofstream(config) << "listen = [\"tls://127.0.0.1:0\"]\n";
  const Finished run = run_to_exit({"--config", config});
  ASSERT_TRUE(run.code);
  EXPECT_EQ(*run.code, 2);
  EXPECT_EQ(run.stderr_text,
            "echo-server: --listen: 'tls://127.0.0.1:0': TLS listeners are not available yet\n");
}

// These tests pick their own listeners, so one instantiation covers them.
ECHO_INSTANTIATE_ENGINES_TCP_ONLY(Listeners);

}  // namespace
}  // namespace echo::test
