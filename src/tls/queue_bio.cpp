#include "tls/queue_bio.hpp"

#include <openssl/bio.h>

#include <algorithm>
#include <cstring>
#include <new>

namespace echo::tls {
namespace {

CiphertextQueues& queues_of(BIO* bio) {
  return *static_cast<CiphertextQueues*>(BIO_get_data(bio));
}

int write_queue(BIO* bio, const char* data, std::size_t length, std::size_t* written) {
  BIO_clear_retry_flags(bio);
  queues_of(bio).outbound.append({reinterpret_cast<const std::byte*>(data), length});
  *written = length;
  return 1;
}

int read_queue(BIO* bio, char* out, std::size_t length, std::size_t* read) {
  BIO_clear_retry_flags(bio);
  CiphertextQueues& queues = queues_of(bio);
  if (queues.inbound.empty()) {
    *read = 0;
    // Not at the end: "retry", which SSL reports as SSL_ERROR_WANT_READ. At
    // the end a plain 0 with BIO_eof() true, which OpenSSL 3 reports as
    // "unexpected eof while reading" (the peer closed without close_notify).
    if (!queues.inbound_finished) BIO_set_retry_read(bio);
    return 0;
  }
  const std::span<const std::byte> held = queues.inbound.front();
  const std::size_t n = std::min(length, held.size());
  std::memcpy(out, held.data(), n);
  queues.inbound.pop_front(n);
  *read = n;
  return 1;
}

long control_queue(BIO* bio, int command, long /*number*/, void* /*pointer*/) {
  CiphertextQueues& queues = queues_of(bio);
  switch (command) {
    case BIO_CTRL_FLUSH:
      return 1;  // everything written is already in the outbound queue
    case BIO_CTRL_EOF:
      return queues.inbound_finished && queues.inbound.empty() ? 1 : 0;
    case BIO_CTRL_PENDING:
      return static_cast<long>(queues.inbound.size());
    case BIO_CTRL_WPENDING:
      return static_cast<long>(queues.outbound.size());
    default:
      return 0;  // not supported (push/pop, kTLS, datagram controls)
  }
}

int create_queue(BIO* /*bio*/) {
  return 1;
}
int destroy_queue(BIO* /*bio*/) {
  return 1;
}  // the queues belong to the session

struct BioMethodFree {
  void operator()(BIO_METHOD* method) const noexcept { BIO_meth_free(method); }
};

const BIO_METHOD* queue_method() {
  // One method for the process; function-local so its creation is thread-safe.
  static const std::unique_ptr<BIO_METHOD, BioMethodFree> method = [] {
    std::unique_ptr<BIO_METHOD, BioMethodFree> made(
        BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "echo ciphertext queues"));
    if (!made || !BIO_meth_set_write_ex(made.get(), write_queue) ||
        !BIO_meth_set_read_ex(made.get(), read_queue) ||
        !BIO_meth_set_ctrl(made.get(), control_queue) ||
        !BIO_meth_set_create(made.get(), create_queue) ||
        !BIO_meth_set_destroy(made.get(), destroy_queue)) {
      throw std::bad_alloc();
    }
    return made;
  }();
  return method.get();
}

}  // namespace

BioPtr create_queue_bio(CiphertextQueues& queues) {
  BioPtr bio(BIO_new(queue_method()));
  if (!bio) throw std::bad_alloc();
  BIO_set_data(bio.get(), &queues);
  BIO_set_init(bio.get(), 1);
  return bio;
}

}  // namespace echo::tls
