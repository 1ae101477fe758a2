// EchoStream::pump, the per-connection step every engine runs once per readable
// (or writable) event, against an in-memory Io so no system call is counted.
// Ping-pong: one 64-byte message is ready, pump reads it, echoes it, then sees
// EAGAIN; its fixed cost (including the buffer taken from and given back to the
// pool) bounds the message rate of one loop. Bulk: 16 KiB or 64 KiB are ready,
// so pump cycles through the buffer; with a chunked sink every write is partial,
// as when the socket's send buffer takes less than was offered.
// The fake read copies into the buffer as recv does; the fake write only lets
// the bytes escape, so bulk figures include one copy per byte, not two.
#include <benchmark/benchmark.h>
#include <sys/types.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "core/buffer_pool.hpp"
#include "core/echo_stream.hpp"

namespace {

constexpr std::size_t kBufferBytes = 16 * 1024;       // ServerConfig::buffer_size_bytes default
constexpr std::size_t kTurnBudgetBytes = 256 * 1024;  // the epoll loop's per-turn budget

// `ready` bytes can be read, then EAGAIN; the sink takes at most `chunk` bytes
// per write (0: everything offered).
class FakeIo {
 public:
  FakeIo(std::size_t max_ready, std::size_t chunk)
      : source_(max_ready + kPage, std::byte{0x5a}), chunk_(chunk) {}

  void arm(std::size_t ready) noexcept {
    left_ = ready;
    consumed_ = 0;
  }

  ssize_t read(std::span<std::byte> into) noexcept {
    if (left_ == 0) {
      errno = EAGAIN;
      return -1;
    }
    const std::size_t n = std::min(left_, into.size());
    std::memcpy(into.data(), source_for(into.data()), n);
    left_ -= n;
    consumed_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(std::span<const std::byte> from) noexcept {
    const std::size_t n = chunk_ == 0 ? from.size() : std::min(chunk_, from.size());
    const std::byte* data = from.data();
    benchmark::DoNotOptimize(data);  // the bytes escape: the copy into them must happen
    return static_cast<ssize_t>(n);
  }

 private:
  static constexpr std::uintptr_t kPage = 4096;

  // Where the next bytes come from: half a page away from `into` modulo the page
  // size. memcpy between addresses at the same offset in their pages can be many
  // times slower on some CPUs, an artefact of the fake that recv does not share.
  const std::byte* source_for(const std::byte* into) const noexcept {
    const std::byte* unshifted = source_.data() + consumed_;
    const std::uintptr_t distance =
        reinterpret_cast<std::uintptr_t>(into) - reinterpret_cast<std::uintptr_t>(unshifted);
    return unshifted + (distance + kPage / 2) % kPage;
  }

  std::vector<std::byte> source_;
  std::size_t chunk_;
  std::size_t left_ = 0;
  std::size_t consumed_ = 0;
};

void BM_EchoStream_Pump(benchmark::State& state) {
  const auto ready = static_cast<std::size_t>(state.range(0));
  const auto chunk = static_cast<std::size_t>(state.range(1));
  FakeIo io(ready, chunk);
  echo::BufferPool pool(kBufferBytes);
  echo::EchoStream stream;
  std::size_t written = 0;
  bool all_want_read = true;
  for (auto _ : state) {
    io.arm(ready);
    echo::PumpResult result = stream.pump(io, pool, kTurnBudgetBytes);
    benchmark::DoNotOptimize(result);
    written += result.bytes_written;
    all_want_read &= result.state == echo::PumpState::want_read;
  }
  if (!all_want_read || written != ready * static_cast<std::size_t>(state.iterations())) {
    state.SkipWithError("pump did not echo every byte and wait for more");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(written));
  state.SetItemsProcessed(state.iterations());  // items = pumps (events served)
}
BENCHMARK(BM_EchoStream_Pump)
    ->ArgNames({"ready", "sink_chunk"})
    ->Args({64, 0})
    ->Args({16 * 1024, 0})
    ->Args({64 * 1024, 0})
    ->Args({64 * 1024, 4 * 1024});

}  // namespace
