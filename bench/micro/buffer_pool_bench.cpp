// BufferPool: an idle connection holds no buffer, so every message that arrives
// takes one from its loop's pool and gives it back once echoed. TakeGiveBack is
// that steady-state cycle. Burst takes N buffers (N connections busy at once)
// and gives them all back: up to the pool's cache they are reused, beyond it
// they come from and go back to the allocator, which the cache exists to avoid.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <utility>
#include <vector>

#include "core/buffer_pool.hpp"

namespace {

constexpr std::size_t kBufferBytes = 16 * 1024;  // ServerConfig::buffer_size_bytes default
constexpr std::size_t kMaxCached = 64;           // BufferPool's default cache

void BM_BufferPool_TakeGiveBack(benchmark::State& state) {
  echo::BufferPool pool(kBufferBytes, kMaxCached);
  pool.give_back(pool.take());  // warm: the first take allocates
  for (auto _ : state) {
    const echo::BufferPool::Id buffer = pool.take();
    std::byte* data = pool.data(buffer);
    benchmark::DoNotOptimize(data);
    pool.give_back(buffer);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BufferPool_TakeGiveBack);

void BM_BufferPool_Burst(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  echo::BufferPool pool(kBufferBytes, kMaxCached);
  std::vector<echo::BufferPool::Id> held(n);
  for (auto& buffer : held) buffer = pool.take();
  for (auto& buffer : held) pool.give_back(buffer);
  for (auto _ : state) {
    for (auto& buffer : held) buffer = pool.take();
    benchmark::DoNotOptimize(held.data());
    benchmark::ClobberMemory();
    for (auto& buffer : held) pool.give_back(buffer);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));  // items = take/give_back pairs
}
BENCHMARK(BM_BufferPool_Burst)->ArgName("buffers")->Arg(kMaxCached)->Arg(4 * kMaxCached);

}  // namespace
