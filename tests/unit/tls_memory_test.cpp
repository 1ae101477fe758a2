// What an idle TLS connection costs: OpenSSL's allocations are counted
// through CRYPTO_set_mem_functions (installed before main, ahead of any
// OpenSSL use in this binary), and a server session's idle footprint is what
// its destruction gives back after a handshake and an echo. With
// SSL_MODE_RELEASE_BUFFERS (our contexts' default) and the queues released
// that is OpenSSL's per-connection state alone; without it the two record
// buffers (~34 KiB) stay. The figures are printed; the assertions are loose
// bounds, not measurements.
#include <gtest/gtest.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "tls_pair.hpp"

namespace echo::tls::test {
namespace {

std::atomic<long long> live_bytes{0};

// Each block carries its size in front, so free knows what goes.
constexpr std::size_t kHeader = alignof(std::max_align_t);

void* counted_malloc(std::size_t n, const char*, int) {
  auto* block = static_cast<unsigned char*>(std::malloc(n + kHeader));
  if (block == nullptr) return nullptr;
  std::memcpy(block, &n, sizeof n);
  live_bytes += static_cast<long long>(n);
  return block + kHeader;
}

void counted_free(void* pointer, const char*, int) {
  if (pointer == nullptr) return;
  auto* block = static_cast<unsigned char*>(pointer) - kHeader;
  std::size_t n;
  std::memcpy(&n, block, sizeof n);
  live_bytes -= static_cast<long long>(n);
  std::free(block);
}

void* counted_realloc(void* pointer, std::size_t n, const char* file, int line) {
  if (pointer == nullptr) return counted_malloc(n, file, line);
  if (n == 0) {
    counted_free(pointer, file, line);
    return nullptr;
  }
  auto* block = static_cast<unsigned char*>(pointer) - kHeader;
  std::size_t old;
  std::memcpy(&old, block, sizeof old);
  auto* grown = static_cast<unsigned char*>(std::realloc(block, n + kHeader));
  if (grown == nullptr) return nullptr;
  std::memcpy(grown, &n, sizeof n);
  live_bytes += static_cast<long long>(n) - static_cast<long long>(old);
  return grown + kHeader;
}

// Before main: OpenSSL refuses new functions once it has allocated anything.
const bool counting = CRYPTO_set_mem_functions(counted_malloc, counted_realloc, counted_free) == 1;

struct Footprint {
  long long idle_bytes = 0;  // what destroying the idle server session gave back
  std::size_t queue_bytes = 0;
};

Footprint measure_idle_server(const TlsClientConfig& client_config_used, bool release_buffers) {
  const TlsContext server = make_server();
  const TlsContext client = make_client(client_config_used);
  Footprint footprint;
  std::optional<Connection> c;
  c.emplace(Connection{TlsSession::accept(server), TlsSession::connect(client, "localhost")});
  if (!release_buffers) SSL_clear_mode(c->server.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  run_handshake(c->server, c->client);
  EXPECT_TRUE(c->server.handshake_done()) << c->server.error();
  std::vector<std::byte> data(20'000, std::byte{'x'});
  EXPECT_EQ(echo_through(c->server, c->client, data).echoed.size(), data.size());
  c->server.release_idle_buffers();
  c->client.release_idle_buffers();
  footprint.queue_bytes = c->server.queue_capacity();
  const long long idle = live_bytes.load();
  { TlsSession gone = std::move(c->server); }
  footprint.idle_bytes = idle - live_bytes.load();
  return footprint;
}

TEST(TlsMemory, AnIdleServerSessionHoldsNoRecordBuffers) {
  if (!counting) GTEST_SKIP() << "OpenSSL allocated before the counting hooks could be installed";
  for (const char* version : {"1.2", "1.3"}) {
    TlsClientConfig config = client_config();
    config.max_version = version;
    const Footprint released = measure_idle_server(config, true);
    const Footprint kept = measure_idle_server(config, false);
    std::printf(
        "TLS %s idle server session: %lld bytes of OpenSSL allocations with "
        "SSL_MODE_RELEASE_BUFFERS, %lld without; our queues: %zu bytes\n",
        version, released.idle_bytes, kept.idle_bytes, released.queue_bytes);
    RecordProperty(std::string("idle_bytes_tls") + version, std::to_string(released.idle_bytes));
    EXPECT_EQ(released.queue_bytes, 0u);
    EXPECT_GT(released.idle_bytes, 0);
    // The two record buffers are the difference.
    EXPECT_GT(kept.idle_bytes - released.idle_bytes, 16 * 1024) << version;
    EXPECT_LT(released.idle_bytes, 16 * 1024) << version;
  }
}

}  // namespace
}  // namespace echo::tls::test
