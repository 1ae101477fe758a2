// Interoperability with a real PROXY protocol sender: Debian's HAProxy in
// front of echo-server, with `send-proxy` (v1) and `send-proxy-v2` (with its
// CRC32C and unique-id TLVs), for every engine. The test makes HAProxy's
// listening socket itself (127.0.0.1, a kernel-chosen port) and hands it over
// as `bind fd@3`, so no port is guessed; HAProxy runs in the foreground and is
// stopped by the test. Skipped, saying so, where haproxy is not installed
// (scripts/install-deps.sh installs it).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "behaviour/engine_param.hpp"
#include "net/address.hpp"
#include "net/socket.hpp"
#include "support/client_socket.hpp"
#include "support/process.hpp"
#include "support/server_process.hpp"

namespace echo::test {
namespace {

constexpr const char* kHaproxy = "/usr/sbin/haproxy";

struct Sender {
  const char* name;
  const char* server_options;  // on HAProxy's `server` line
  bool checks_tlvs;
};

class HaproxyInFront : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped()) return;
    if (::access(kHaproxy, X_OK) != 0)
      GTEST_SKIP() << kHaproxy << " is not installed (Debian package haproxy)";
  }

  // Runs one HAProxy with `server echo 127.0.0.1:PORT <options>` in front of a
  // tcp+proxy:// echo-server and checks that a client through it is echoed and
  // logged as itself.
  void check_through(const Sender& sender) {
    ServerKind k = kind();
    k.proxy = true;
    ServerProcess server(k);
    ASSERT_TRUE(server.started());

    // HAProxy's frontend: a listening socket on a port the kernel picks.
    net::UniqueFd front(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_TRUE(front);
    sockaddr_in any{};
    any.sin_family = AF_INET;
    any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(front.get(), reinterpret_cast<sockaddr*>(&any), sizeof any), 0);
    ASSERT_EQ(::listen(front.get(), 64), 0);
    const auto front_address = net::local_address(front.get());
    ASSERT_TRUE(front_address);

    SocketDir dir;
    ASSERT_TRUE(dir.ok());
    const std::string config = dir.file("haproxy.cfg");
    {
      std::ofstream out(config);
      out << "global\n"
             "  maxconn 64\n"
             "defaults\n"
             "  mode tcp\n"
             "  timeout connect 5s\n"
             "  timeout client 20s\n"
             "  timeout server 20s\n"
             "frontend in\n"
             "  bind fd@3\n"
             "  unique-id-format echo-%ci-%cp\n"
             "  default_backend echo\n"
             "backend echo\n"
             "  server echo 127.0.0.1:"
          << server.port() << " " << sender.server_options << "\n";
    }
    SpawnOptions options;
    options.pass_fd = front.get();
    Process haproxy(kHaproxy, {"-db", "-f", config}, options);

    // Connections wait in the frontend's backlog until HAProxy accepts them.
    int connect_error = 0;
    net::UniqueFd client = net::connect_to(*front_address, 10s, &connect_error);
    ASSERT_TRUE(client) << haproxy.stderr_text();
    const std::string data = random_bytes(100'000, 5);
    ASSERT_TRUE(send_all(client.get(), data));
    EXPECT_EQ(recv_exact(client.get(), data.size(), 20s), data)
        << "haproxy: " << haproxy.stderr_text() << "\nserver: " << server.process().stderr_text();

    // The server names the client as the client sees itself, and HAProxy as the proxy.
    const std::string client_name = peer_name_of_local(client.get());
    const auto open = server.process().wait_for_stderr("peer=" + client_name + " proxy=", 5s);
    ASSERT_TRUE(open) << "expected peer=" << client_name << "\n" << server.process().stderr_text();
    if (sender.checks_tlvs) {
      EXPECT_NE(open->find("unique_id=echo-" + client_name.substr(0, client_name.find(':'))),
                std::string::npos)
          << *open;
    }
    EXPECT_EQ(server.process().count_stderr("reason=proxy-invalid"), 0u)
        << server.process().stderr_text();
    client.reset();
    EXPECT_TRUE(server.process().wait_for_stderr("close id=", 5s))
        << server.process().stderr_text();
    haproxy.send_signal(SIGTERM);
    haproxy.wait_exit(10s);
  }

  // "127.0.0.1:PORT" of the client's own end, as the server logs a peer.
  static std::string peer_name_of_local(int fd) {
    const auto local = net::local_address(fd);
    return local ? local->to_string() : std::string("?");
  }
};

TEST_P(HaproxyInFront, SendProxyV1) {
  check_through({"v1", "send-proxy", false});
}

TEST_P(HaproxyInFront, SendProxyV2WithCrc32cAndUniqueId) {
  check_through({"v2", "send-proxy-v2 proxy-v2-options crc32c,unique-id", true});
}

// The sender is HAProxy on TCP; the listener kinds add nothing here.
ECHO_INSTANTIATE_ENGINES_TCP_ONLY(HaproxyInFront);

}  // namespace
}  // namespace echo::test
