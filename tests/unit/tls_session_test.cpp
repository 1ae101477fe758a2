// One connection's TLS (tls/session.hpp) between a server and a client
// session in memory: both versions, every byte value, megabytes within the
// bound, ciphertext in one-byte pieces, close_notify both ways, a FIN without
// it, garbage and tampering, KeyUpdate, and the queues an idle session gives back.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <utility>

#include "tls/session.hpp"
#include "tls_pair.hpp"

namespace echo::tls::test {
namespace {

std::vector<std::byte> every_byte_value(std::size_t repeats) {
  std::vector<std::byte> data(256 * repeats);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::byte>(i % 256);
  return data;
}

std::vector<std::byte> random_bytes(std::size_t n) {
  std::mt19937_64 random(12);
  std::vector<std::byte> data(n);
  for (std::byte& b : data) b = static_cast<std::byte>(random() & 0xff);
  return data;
}

// A client allowed to queue far more ciphertext than one record, connected.
Connection connect_roomy_client() {
  TlsBounds roomy;
  roomy.outbound_bytes = 1 << 20;
  const TlsContext server = make_server();
  Connection c{TlsSession::accept(server),
               TlsSession::connect(make_client(), "localhost", nullptr, roomy)};
  run_handshake(c.server, c.client);
  return c;
}

// Moves the client's queued ciphertext to the server as it makes room, and
// returns the plaintext the server reads, until `bytes` came.
std::vector<std::byte> receive_all(TlsSession& server, TlsSession& client, std::size_t bytes) {
  std::vector<std::byte> got;
  for (int turn = 0; turn < 1000 && got.size() < bytes; ++turn) {
    read_all(server, got);
    shuttle(client, server);
  }
  return got;
}

TEST(TlsSession, Tls13HandshakeThenEchoesEveryByteValue) {
  const TlsContext server = make_server();
  const TlsContext client = make_client();
  Connection c = connect_pair(server, client);
  ASSERT_TRUE(c.server.handshake_done()) << c.server.error();
  ASSERT_TRUE(c.client.handshake_done()) << c.client.error();
  EXPECT_EQ(c.server.protocol_version(), "TLSv1.3");
  EXPECT_EQ(c.client.protocol_version(), "TLSv1.3");
  EXPECT_EQ(c.server.cipher(), c.client.cipher());
  EXPECT_FALSE(c.server.cipher().empty());
  EXPECT_FALSE(c.server.resumed());
  EXPECT_TRUE(c.server.is_server());
  EXPECT_FALSE(c.client.is_server());

  const std::vector<std::byte> data = every_byte_value(4);
  EXPECT_EQ(echo_through(c.server, c.client, data).echoed, data);
}

TEST(TlsSession, Tls12HandshakeThenEchoes) {
  const TlsContext server = make_server();
  TlsClientConfig config = client_config();
  config.max_version = "1.2";
  const TlsContext client = make_client(config);
  Connection c = connect_pair(server, client);
  ASSERT_TRUE(c.server.handshake_done()) << c.server.error();
  ASSERT_TRUE(c.client.handshake_done()) << c.client.error();
  EXPECT_EQ(c.server.protocol_version(), "TLSv1.2");
  EXPECT_EQ(c.client.protocol_version(), "TLSv1.2");
  const std::vector<std::byte> data = every_byte_value(2);
  EXPECT_EQ(echo_through(c.server, c.client, data).echoed, data);
}

TEST(TlsSession, CiphertextArrivingOneByteAtATimeStillWorks) {
  for (const char* version : {"1.2", "1.3"}) {
    SCOPED_TRACE(version);
    const TlsContext server = make_server();
    TlsClientConfig config = client_config();
    config.max_version = version;
    const TlsContext client = make_client(config);
    Connection c = connect_pair(server, client, "localhost", nullptr, 1);
    ASSERT_TRUE(c.server.handshake_done()) << c.server.error();
    ASSERT_TRUE(c.client.handshake_done()) << c.client.error();
    const std::vector<std::byte> data = every_byte_value(3);
    EXPECT_EQ(echo_through(c.server, c.client, data, 1).echoed, data);
  }
}

TEST(TlsSession, MegabytesEchoWithinTheCiphertextBound) {
  const TlsContext server = make_server();
  const TlsContext client = make_client();
  Connection c = connect_pair(server, client);
  ASSERT_TRUE(c.server.handshake_done()) << c.server.error();
  const std::vector<std::byte> data = random_bytes(4 << 20);
  // Odd pieces: records split across takes, several records per take.
  const EchoRun run = echo_through(c.server, c.client, data, 7001);
  EXPECT_EQ(run.echoed.size(), data.size());
  EXPECT_TRUE(run.echoed == data);
  // Inbound: one largest record; outbound: the bound plus the last record.
  const TlsBounds bounds;
  EXPECT_LE(run.max_server_ciphertext,
            kMaxRecordCiphertextBytes + bounds.outbound_bytes + kMaxRecordCiphertextBytes);
}

TEST(TlsSession, WritePlaintextStopsAtTheOutboundBound) {
  const TlsContext server = make_server();
  const TlsContext client = make_client();
  Connection c = connect_pair(server, client);
  ASSERT_TRUE(c.server.handshake_done());
  c.server.consumed_ciphertext(c.server.pending_ciphertext().size());  // tickets: sent

  const std::vector<std::byte> data = random_bytes(1 << 20);
  const std::size_t taken = c.server.write_plaintext(data);
  EXPECT_GE(taken, 1u);
  EXPECT_LE(taken, TlsBounds{}.outbound_bytes + kMaxRecordPlaintextBytes);
  const std::size_t queued = c.server.pending_ciphertext().size();
  EXPECT_LE(queued, TlsBounds{}.outbound_bytes + kMaxRecordCiphertextBytes);
  EXPECT_EQ(c.server.write_plaintext(std::span(data).subspan(taken)), 0u) << "full: send first";
  c.server.consumed_ciphertext(queued);
  EXPECT_GT(c.server.write_plaintext(std::span(data).subspan(taken)), 0u);
}

TEST(TlsSession, TakeCiphertextStopsAtOneRecord) {
  Connection c = connect_roomy_client();
  ASSERT_TRUE(c.client.handshake_done());
  TlsSession& s = c.server;
  TlsSession& cl = c.client;
  const std::vector<std::byte> data = random_bytes(200'000);
  ASSERT_EQ(cl.write_plaintext(data), data.size());
  const std::span<const std::byte> pending = cl.pending_ciphertext();
  ASSERT_GT(pending.size(), 2 * kMaxRecordCiphertextBytes);
  const std::size_t taken = s.take_ciphertext(pending);
  EXPECT_EQ(taken, kMaxRecordCiphertextBytes);
  EXPECT_EQ(s.take_ciphertext(pending.subspan(taken)), 0u) << "full: read first";
  EXPECT_TRUE(s.ciphertext_buffer().empty());
  EXPECT_TRUE(s.has_pending_input());
  cl.consumed_ciphertext(taken);
  // Reading makes room again, and everything arrives in the end.
  EXPECT_TRUE(receive_all(s, cl, data.size()) == data);
}

TEST(TlsSession, CompletionStyleReceiveIntoTheInboundQueue) {
  const TlsContext server = make_server();
  const TlsContext client = make_client();
  TlsSession s = TlsSession::accept(server);
  TlsSession cl = TlsSession::connect(client, "localhost");
  // A uring-style driver: the recv lands in ciphertext_buffer() directly.
  for (int turn = 0; turn < 100; ++turn) {
    cl.handshake();
    s.handshake();
    bool moved = false;
    for (auto [from, to] : {std::pair{&cl, &s}, std::pair{&s, &cl}}) {
      const std::span<const std::byte> pending = from->pending_ciphertext();
      const std::span<std::byte> room = to->ciphertext_buffer();
      const std::size_t n = std::min(pending.size(), room.size());
      std::copy_n(pending.data(), n, room.data());
      to->ciphertext_received(n);
      from->consumed_ciphertext(n);
      moved |= n > 0;
    }
    if (!moved) break;
  }
  EXPECT_TRUE(s.handshake_done()) << s.error();
  EXPECT_TRUE(cl.handshake_done()) << cl.error();
}

TEST(TlsSession, ASendInFlightKeepsItsBytesWhileTheSessionWritesMore) {
  Connection c = connect_roomy_client();
  ASSERT_TRUE(c.client.handshake_done());
  TlsSession& s = c.server;
  TlsSession& cl = c.client;
  const std::vector<std::byte> data = random_bytes(100'000);
  ASSERT_EQ(cl.write_plaintext(std::span(data).first(100)), 100u);
  // A uring-style send of what is pending, completing only after the session
  // has written far more (its queue grows under the send).
  const std::span<const std::byte> in_flight = cl.begin_send();
  const std::vector<std::byte> copy(in_flight.begin(), in_flight.end());
  ASSERT_EQ(cl.write_plaintext(std::span(data).subspan(100)), data.size() - 100);
  ASSERT_TRUE(std::equal(copy.begin(), copy.end(), in_flight.begin()));
  EXPECT_EQ(s.take_ciphertext(in_flight), in_flight.size());
  cl.end_send(in_flight.size());
  EXPECT_TRUE(receive_all(s, cl, data.size()) == data);
}

TEST(TlsSession, CloseNotifyBothWaysAfterEchoingEverything) {
  const TlsContext server = make_server();
  const TlsContext client = make_client();
  Connection c = connect_pair(server, client);
  ASSERT_TRUE(c.server.handshake_done());

  ASSERT_EQ(c.client.write_plaintext(bytes_of("last words")), 10u);
  EXPECT_TRUE(c.client.send_close_notify());
  EXPECT_FALSE(c.client.send_close_notify()) << "only once";
  EXPECT_EQ(c.client.write_plaintext(bytes_of("more")), 0u) << "nothing after close_notify";
  shuttle(c.client, c.server);

  std::vector<std::byte> got;
  EXPECT_EQ(read_all(c.server, got), ReadStatus::close_notify);
  EXPECT_EQ(text_of(got), "last words");
  EXPECT_TRUE(c.server.peer_sent_close_notify());
  EXPECT_FALSE(c.server.has_pending_input());
  // The end of input: echo everything, then our close_notify.
  EXPECT_EQ(c.server.write_plaintext(got), got.size());
  EXPECT_TRUE(c.server.send_close_notify());
  EXPECT_TRUE(c.server.close_notify_sent());
  shuttle(c.server, c.client);

  std::vector<std::byte> echoed;
  EXPECT_EQ(read_all(c.client, echoed), ReadStatus::close_notify);
  EXPECT_EQ(text_of(echoed), "last words");
  EXPECT_TRUE(c.client.peer_sent_close_notify());
  EXPECT_FALSE(c.server.failed());
  EXPECT_FALSE(c.client.failed());
}

TEST(TlsSession, CiphertextAfterCloseNotifyIsDropped) {
  const TlsContext server = make_server();
  const TlsContext client = make_client();
  Connection c = connect_pair(server, client);
  ASSERT_TRUE(c.client.send_close_notify());
  shuttle(c.client, c.server);
  std::vector<std::byte> got;
  ASSERT_EQ(read_all(c.server, got), ReadStatus::close_notify);
  const std::vector<std::byte> junk = random_bytes(100'000);
  EXPECT_EQ(c.server.take_ciphertext(junk), junk.size());
  EXPECT_EQ(c.server.ciphertext_held(), c.server.pending_ciphertext().size());
  EXPECT_EQ(c.server.read_plaintext(std::span(got.data(), 0)).status, ReadStatus::close_notify);
}

TEST(TlsSession, FinWithoutCloseNotifyIsTruncation) {
  const TlsContext server = make_server();
  const TlsContext client = make_client();
  Connection c = connect_pair(server, client);
  ASSERT_EQ(c.client.write_plaintext(bytes_of("abc")), 3u);
  shuttle(c.client, c.server);
  c.server.received_fin();
  std::vector<std::byte> got;
  EXPECT_EQ(read_all(c.server, got), ReadStatus::truncated);
  EXPECT_EQ(text_of(got), "abc") << "the data before the FIN is still read";
  EXPECT_TRUE(c.server.peer_truncated());
  EXPECT_EQ(c.server.error(), "peer closed without close_notify");
  EXPECT_FALSE(c.server.failed());
}

TEST(TlsSession, FinInsideARecordIsTruncation) {
  const TlsContext server = make_server();
  const TlsContext client = make_client();
  Connection c = connect_pair(server, client);
  ASSERT_EQ(c.client.write_plaintext(bytes_of("a whole record")), 14u);
  shuttle(c.client, c.server, 10);
  c.server.received_fin();
  std::vector<std::byte> got;
  EXPECT_EQ(read_all(c.server, got), ReadStatus::truncated);
  EXPECT_TRUE(got.empty());
}

TEST(TlsSession, FinDuringTheHandshakeFailsIt) {
  const TlsContext server = make_server();
  const TlsContext client = make_client();
  TlsSession s = TlsSession::accept(server);
  TlsSession cl = TlsSession::connect(client, "localhost");
  cl.handshake();
  shuttle(cl, s, 20);  // part of the ClientHello
  s.received_fin();
  EXPECT_EQ(s.handshake(), HandshakeStatus::failed);
  EXPECT_EQ(s.error(), "peer closed the connection during the handshake");
  EXPECT_FALSE(s.send_close_notify()) << "none mid-handshake";
}

TEST(TlsSession, GarbageInsteadOfAClientHelloFailsWithAReason) {
  const TlsContext server = make_server();
  for (const std::string& garbage : {std::string("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"),
                                     std::string("hello, echo server\r\n"),
                                     std::string("\x16\x03\x01\x00\x05\x00\x00\x00\x00\x00", 10)}) {
    SCOPED_TRACE(garbage);
    TlsSession s = TlsSession::accept(server);
    EXPECT_EQ(s.take_ciphertext(bytes_of(garbage)), garbage.size());
    EXPECT_EQ(s.handshake(), HandshakeStatus::failed);
    EXPECT_TRUE(s.failed());
    EXPECT_FALSE(s.error().empty());
    EXPECT_EQ(s.error().find('\n'), std::string::npos) << "one line";
    std::printf("garbage -> %s\n", s.error().c_str());
    EXPECT_EQ(s.write_plaintext(bytes_of("x")), 0u);
    std::vector<std::byte> out(8);
    EXPECT_EQ(s.read_plaintext(out).status, ReadStatus::failed);
  }
  TlsSession http = TlsSession::accept(server);
  http.take_ciphertext(bytes_of("GET / HTTP/1.1\r\n\r\n"));
  http.handshake();
  EXPECT_EQ(http.error(), "http request");
}

TEST(TlsSession, TamperedRecordFailsTheStream) {
  const TlsContext server = make_server();
  const TlsContext client = make_client();
  Connection c = connect_pair(server, client);
  ASSERT_EQ(c.client.write_plaintext(bytes_of("integrity")), 9u);
  std::vector<std::byte> record(c.client.pending_ciphertext().begin(),
                                c.client.pending_ciphertext().end());
  record[record.size() - 3] ^= std::byte{0x40};
  c.server.take_ciphertext(record);
  std::vector<std::byte> got;
  EXPECT_EQ(read_all(c.server, got), ReadStatus::failed);
  EXPECT_TRUE(got.empty());
  EXPECT_TRUE(c.server.failed());
  EXPECT_NE(c.server.error().find("bad record mac"), std::string::npos) << c.server.error();
}

TEST(TlsSession, KeyUpdateBothWaysKeepsTheEchoGoing) {
  const TlsContext server = make_server();
  const TlsContext client = make_client();
  Connection c = connect_pair(server, client);
  ASSERT_EQ(c.client.protocol_version(), "TLSv1.3");
  const std::vector<std::byte> first = every_byte_value(1);
  ASSERT_EQ(echo_through(c.server, c.client, first).echoed, first);
  // The client updates its keys and asks the server to update its own: the
  // server's answer is written while it reads, with no plaintext of its own.
  ASSERT_EQ(SSL_key_update(c.client.native_handle(), SSL_KEY_UPDATE_REQUESTED), 1);
  const std::vector<std::byte> second = random_bytes(50'000);
  EXPECT_EQ(echo_through(c.server, c.client, second).echoed, second);
  ASSERT_EQ(SSL_key_update(c.server.native_handle(), SSL_KEY_UPDATE_NOT_REQUESTED), 1);
  EXPECT_EQ(echo_through(c.server, c.client, first).echoed, first);
  EXPECT_FALSE(c.server.failed()) << c.server.error();
  EXPECT_FALSE(c.client.failed()) << c.client.error();
}

TEST(TlsSession, NothingIsWrittenBeforeTheHandshakeIsDone) {
  const TlsContext server = make_server();
  TlsSession s = TlsSession::accept(server);
  EXPECT_EQ(s.write_plaintext(bytes_of("early")), 0u);
  EXPECT_FALSE(s.send_close_notify());
  std::vector<std::byte> out(16);
  EXPECT_EQ(s.read_plaintext(out).status, ReadStatus::want_more);
  EXPECT_EQ(s.handshake(), HandshakeStatus::in_progress);
  EXPECT_TRUE(s.protocol_version().empty());
  EXPECT_TRUE(s.pending_ciphertext().empty()) << "a server waits for the ClientHello";
}

TEST(TlsSession, AnIdleSessionGivesItsQueuesBack) {
  const TlsContext server = make_server();
  const TlsContext client = make_client();
  Connection c = connect_pair(server, client);
  const std::vector<std::byte> data = random_bytes(100'000);
  ASSERT_EQ(echo_through(c.server, c.client, data).echoed, data);
  EXPECT_GT(c.server.queue_capacity(), 0u);
  EXPECT_EQ(c.server.ciphertext_held(), 0u);
  c.server.release_idle_buffers();
  EXPECT_EQ(c.server.queue_capacity(), 0u);
  // And they come back when needed.
  EXPECT_EQ(echo_through(c.server, c.client, data).echoed, data);
}

TEST(TlsSession, ReleaseKeepsQueuesThatHoldBytes) {
  const TlsContext server = make_server();
  const TlsContext client = make_client();
  Connection c = connect_pair(server, client);
  ASSERT_EQ(c.client.write_plaintext(bytes_of("held")), 4u);
  const std::size_t pending = c.client.pending_ciphertext().size();
  c.client.release_idle_buffers();
  EXPECT_EQ(c.client.pending_ciphertext().size(), pending);
  shuttle(c.client, c.server);
  std::vector<std::byte> got;
  read_all(c.server, got);
  EXPECT_EQ(text_of(got), "held");
}

TEST(TlsSession, StatusNames) {
  EXPECT_STREQ(to_string(HandshakeStatus::failed), "failed");
  EXPECT_STREQ(to_string(ReadStatus::close_notify), "close-notify");
  EXPECT_STREQ(to_string(ReadStatus::truncated), "truncated");
}

}  // namespace
}  // namespace echo::tls::test
