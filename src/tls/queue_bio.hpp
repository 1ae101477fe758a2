// The memory BIO under every TlsSession: OpenSSL reads ciphertext from, and
// writes ciphertext to, two ByteQueues that the session owns, never a socket.
// That is what lets one TLS stage serve readiness engines (they read(2) into
// the inbound queue) and io_uring (its completions land there) alike.
//
// Why not BIO_s_mem or BIO_new_bio_pair: both keep their buffers at the
// largest size they ever reached until the BIO is freed, so an idle connection
// would pin ~2 x 17 KiB; these queues are released whenever they are empty
// (TlsSession::release_idle_buffers). And the outbound queue never refuses a
// write: OpenSSL never sees "would block" on output, so SSL_write never has to
// be repeated with the same arguments; the session bounds the output instead
// by refusing plaintext while enough ciphertext waits (tls/session.hpp).
#pragma once

#include "tls/byte_queue.hpp"
#include "tls/handles.hpp"

namespace echo::tls {

struct CiphertextQueues {
  ByteQueue inbound;   // received from the peer, not yet read by OpenSSL
  ByteQueue outbound;  // written by OpenSSL, not yet sent to the peer
  // The peer's FIN arrived: once inbound is empty a read is end of file, not
  // "would block".
  bool inbound_finished = false;
};

// A BIO over queues, which it borrows: they must outlive it. An empty inbound
// queue reads as "retry" (SSL_ERROR_WANT_READ), or as end of file once
// inbound_finished. Throws std::bad_alloc when OpenSSL cannot allocate.
BioPtr create_queue_bio(CiphertextQueues& queues);

}  // namespace echo::tls
