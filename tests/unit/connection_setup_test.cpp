// The TCP options from the configuration are set on the listener and land on
// every socket accepted from it (Linux copies them at accept), which is what
// lets the engines skip a setsockopt per connection.
#include "core/connection_setup.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "core/listen_spec.hpp"
#include "net/socket.hpp"

namespace echo {
namespace {

int get_int(int fd, int level, int name) {
  int value = -1;
  socklen_t len = sizeof value;
  EXPECT_EQ(::getsockopt(fd, level, name, &value, &len), 0);
  return value;
}

// A listener configured as config says, and the server side of one real
// connection accepted from it on loopback.
struct AcceptedSocket {
  net::UniqueFd listener, client, server;
  explicit AcceptedSocket(const ServerConfig& config) {
    auto address = net::parse_address("127.0.0.1:0");
    int error = 0;
    listener = net::listen_on(*address, {}, &error);
    configure_listener(listener.get(), ListenSpec{}, config);
    auto bound = net::local_address(listener.get());
    client = net::connect_to(*bound, std::chrono::seconds(5), &error);
    server = net::UniqueFd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  }
};

TEST(ConfigureListener, AcceptedSocketsInheritNodelayAndKeepAlive) {
  ServerConfig config;
  config.keepalive = {std::chrono::seconds(60), std::chrono::seconds(10), 5};
  AcceptedSocket accepted(config);
  ASSERT_TRUE(accepted.server);
  EXPECT_NE(get_int(accepted.server.get(), IPPROTO_TCP, TCP_NODELAY), 0);
  EXPECT_NE(get_int(accepted.server.get(), SOL_SOCKET, SO_KEEPALIVE), 0);
  EXPECT_EQ(get_int(accepted.server.get(), IPPROTO_TCP, TCP_KEEPIDLE), 60);
  EXPECT_EQ(get_int(accepted.server.get(), IPPROTO_TCP, TCP_KEEPINTVL), 10);
  EXPECT_EQ(get_int(accepted.server.get(), IPPROTO_TCP, TCP_KEEPCNT), 5);
}

TEST(ConfigureListener, NodelayAndKeepAliveOff) {
  ServerConfig config;
  config.nodelay = false;
  AcceptedSocket accepted(config);
  ASSERT_TRUE(accepted.server);
  EXPECT_EQ(get_int(accepted.server.get(), IPPROTO_TCP, TCP_NODELAY), 0);
  EXPECT_EQ(get_int(accepted.server.get(), SOL_SOCKET, SO_KEEPALIVE), 0);
}

}  // namespace
}  // namespace echo
