// echo-bench's echo check: every received chunk is compared with the expected
// stretch of the connection's payload stream (verify_echo), once per recv, so
// its per-byte cost bounds the verified throughput one worker can measure.
// Sending needs no fill (it sends straight from the shared table), so the check
// is the payload's only per-byte work. Sizes: a small message, the server's
// default buffer, and the worker's recv chunk. The expected side stays at one
// place in the table, so it is warm in cache, as it is when messages are small.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "bench/connection.hpp"
#include "bench/payload.hpp"

namespace {

void BM_Payload_VerifyEcho(benchmark::State& state) {
  const auto bytes = static_cast<std::size_t>(state.range(0));
  echo::bench::Connection connection;
  connection.reset_stream(7);
  const echo::bench::Payload& payload = echo::bench::Payload::shared();
  std::vector<std::byte> echoed(bytes);
  std::memcpy(echoed.data(), payload.span(connection.pattern_start, 0), bytes);
  const std::span<const std::byte> received(echoed);
  bool all_ok = true;
  for (auto _ : state) {
    bool ok = echo::bench::verify_echo(connection, received, nullptr);
    benchmark::DoNotOptimize(ok);
    all_ok &= ok;
  }
  if (!all_ok) state.SkipWithError("verify_echo rejected a correct echo");
  state.SetBytesProcessed(state.iterations() * state.range(0));
  state.SetItemsProcessed(state.iterations());  // items = checked recv chunks
}
BENCHMARK(BM_Payload_VerifyEcho)->ArgName("bytes")->Arg(64)->Arg(16 << 10)->Arg(64 << 10);

}  // namespace
