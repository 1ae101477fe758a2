// Helpers for the TLS tests (tls_*_test.cpp): contexts from the test
// certificates (support/test_certs.hpp), and the shuttle that plays the
// network between a server TlsSession and a client TlsSession in memory --
// whole, or a few bytes at a time to prove that records and handshake
// messages may arrive in any pieces.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/test_certs.hpp"
#include "tls/context.hpp"
#include "tls/session.hpp"

namespace echo::tls::test {

using echo::test::TestCerts;

inline const TestCerts& certs() {
  return TestCerts::shared();
}

inline TlsServerConfig server_config(const echo::test::CertFiles& files = certs().server) {
  TlsServerConfig config;
  config.cert_file = files.cert;
  config.key_file = files.key;
  return config;
}

inline TlsClientConfig client_config() {
  TlsClientConfig config;
  config.ca_file = certs().ca;
  return config;
}

// The context, or the test fails with the error (thrown: gtest reports it).
inline TlsContext make_server(const TlsServerConfig& config = server_config(),
                              std::shared_ptr<TicketKeys> keys = nullptr) {
  TlsConfigError error;
  std::optional<TlsContext> context = TlsContext::create_server(config, std::move(keys), &error);
  if (!context) throw std::runtime_error("server context: " + error.message);
  return *context;
}

inline TlsContext make_client(const TlsClientConfig& config = client_config()) {
  TlsConfigError error;
  std::optional<TlsContext> context = TlsContext::create_client(config, &error);
  if (!context) throw std::runtime_error("client context: " + error.message);
  return *context;
}

inline std::vector<std::byte> bytes_of(std::string_view text) {
  std::vector<std::byte> out(text.size());
  std::memcpy(out.data(), text.data(), text.size());
  return out;
}

inline std::string text_of(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Moves up to chunk bytes of from's pending ciphertext into to; true if any moved.
inline bool shuttle(TlsSession& from, TlsSession& to, std::size_t chunk = SIZE_MAX) {
  const std::span<const std::byte> pending = from.pending_ciphertext();
  const std::size_t n = std::min(pending.size(), chunk);
  if (n == 0) return false;
  const std::size_t taken = to.take_ciphertext(pending.first(n));
  from.consumed_ciphertext(taken);
  return taken > 0;
}

// Both handshakes, until neither side has anything more to send.
inline void run_handshake(TlsSession& server, TlsSession& client, std::size_t chunk = SIZE_MAX) {
  for (int turn = 0; turn < 1'000'000; ++turn) {
    client.handshake();
    server.handshake();
    const bool to_server = shuttle(client, server, chunk);
    const bool to_client = shuttle(server, client, chunk);
    if (!to_server && !to_client) return;
  }
  ADD_FAILURE() << "the handshake never settled";
}

struct Connection {
  TlsSession server;
  TlsSession client;
};

// A handshake between fresh sessions of the two contexts.
inline Connection connect_pair(const TlsContext& server, const TlsContext& client,
                               std::string_view server_name = "localhost",
                               const SslSessionPtr* resume = nullptr,
                               std::size_t chunk = SIZE_MAX) {
  Connection c{TlsSession::accept(server), TlsSession::connect(client, server_name, resume)};
  run_handshake(c.server, c.client, chunk);
  return c;
}

// Reads what the session holds, all of it, into `into`; returns the last status.
inline ReadStatus read_all(TlsSession& session, std::vector<std::byte>& into) {
  std::vector<std::byte> buffer(4096);
  for (;;) {
    const ReadResult r = session.read_plaintext(buffer);
    if (r.status != ReadStatus::data) return r.status;
    into.insert(into.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(r.bytes));
  }
}

struct EchoRun {
  std::vector<std::byte> echoed;          // what came back to the client
  std::size_t max_server_ciphertext = 0;  // the most the server's queues held
};

// The client sends data; the server echoes it as an engine would (reading
// plaintext only into an empty echo buffer of echo_bytes, writing it back
// before reading again); ciphertext moves chunk bytes at a time each way.
inline EchoRun echo_through(TlsSession& server, TlsSession& client, std::span<const std::byte> data,
                            std::size_t chunk = SIZE_MAX, std::size_t echo_bytes = 16384) {
  EchoRun run;
  std::vector<std::byte> echo_buffer(echo_bytes);
  std::vector<std::byte> client_buffer(65536);
  std::size_t sent = 0, held_from = 0, held = 0;
  for (long turn = 0; turn < 100'000'000; ++turn) {
    bool progress = false;
    if (sent < data.size()) {
      const std::size_t n = client.write_plaintext(data.subspan(sent));
      sent += n;
      progress |= n > 0;
    }
    progress |= shuttle(client, server, chunk);
    if (held == 0) {
      const ReadResult r = server.read_plaintext(echo_buffer);
      if (r.status == ReadStatus::data) {
        held_from = 0;
        held = r.bytes;
        progress = true;
      }
    }
    if (held > 0) {
      const std::size_t n = server.write_plaintext(std::span(echo_buffer).subspan(held_from, held));
      held_from += n;
      held -= n;
      progress |= n > 0;
    }
    run.max_server_ciphertext = std::max(run.max_server_ciphertext, server.ciphertext_held());
    progress |= shuttle(server, client, chunk);
    const ReadResult r = client.read_plaintext(client_buffer);
    if (r.status == ReadStatus::data) {
      run.echoed.insert(run.echoed.end(), client_buffer.begin(),
                        client_buffer.begin() + static_cast<std::ptrdiff_t>(r.bytes));
      progress = true;
    }
    if (run.echoed.size() >= data.size() || !progress) break;
  }
  return run;
}

}  // namespace echo::tls::test
