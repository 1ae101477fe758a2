// The TCP options from the configuration land on accepted sockets.
#include "core/connection_setup.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "net/socket.hpp"

namespace echo {
namespace {

int get_int(int fd, int level, int name) {
  int value = -1;
  socklen_t len = sizeof value;
  EXPECT_EQ(::getsockopt(fd, level, name, &value, &len), 0);
  return value;
}

// A connected TCP socket on loopback (the server side of a real connection).
struct LoopbackPair {
  net::UniqueFd listener, client, server;
  LoopbackPair() {
    auto address = net::parse_address("127.0.0.1:0");
    int error = 0;
    listener = net::listen_on(*address, {}, &error);
    auto bound = net::local_address(listener.get());
    client = net::connect_to(*bound, std::chrono::seconds(5), &error);
    server = net::UniqueFd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  }
};

TEST(ConfigureConnection, NodelayOnByDefaultAndKeepAliveAsConfigured) {
  LoopbackPair pair;
  ASSERT_TRUE(pair.server);
  ServerConfig config;
  config.keepalive = {std::chrono::seconds(60), std::chrono::seconds(10), 5};
  configure_connection(pair.server.get(), Listener{}, config);
  EXPECT_NE(get_int(pair.server.get(), IPPROTO_TCP, TCP_NODELAY), 0);
  EXPECT_NE(get_int(pair.server.get(), SOL_SOCKET, SO_KEEPALIVE), 0);
  EXPECT_EQ(get_int(pair.server.get(), IPPROTO_TCP, TCP_KEEPIDLE), 60);
  EXPECT_EQ(get_int(pair.server.get(), IPPROTO_TCP, TCP_KEEPINTVL), 10);
  EXPECT_EQ(get_int(pair.server.get(), IPPROTO_TCP, TCP_KEEPCNT), 5);
}

TEST(ConfigureConnection, NodelayAndKeepAliveOff) {
  LoopbackPair pair;
  ASSERT_TRUE(pair.server);
  ServerConfig config;
  config.nodelay = false;
  configure_connection(pair.server.get(), Listener{}, config);
  EXPECT_EQ(get_int(pair.server.get(), IPPROTO_TCP, TCP_NODELAY), 0);
  EXPECT_EQ(get_int(pair.server.get(), SOL_SOCKET, SO_KEEPALIVE), 0);
}

}  // namespace
}  // namespace echo
