// The deterministic byte stream each connection sends, so that every echoed byte
// can be checked without keeping a copy of what was sent.
//
// Byte i of a connection's stream is pattern[(start + i) mod P]: `pattern` is one
// shared table of P pseudo-random bytes (P prime, so no message size divides it),
// `start` is derived from the connection's seed. Sending is then zero-copy (send
// straight from the table) and checking is a memcmp against it. The table is
// stored with its first kMaxSpanBytes repeated after the end, so any span of up to
// kMaxSpanBytes is contiguous. Limit: the stream repeats every P (~1 MiB) bytes, so
// a server that echoed data from exactly 1 MiB earlier would go unnoticed.
// Try it: tests/bench/payload_test.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace echo::bench {

// splitmix64: a tiny, well-mixed 64-bit generator (also the seed mixer).
constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

constexpr std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b) noexcept {
  std::uint64_t state = a ^ (b * 0xD6E8FEB86659FD93ULL);
  return splitmix64(state);
}

class Payload {
 public:
  static constexpr std::size_t kPeriodBytes = 1'048'573;    // largest prime below 2^20
  static constexpr std::size_t kMaxSpanBytes = 256 * 1024;  // longest contiguous span()

  // The table, built once (thread-safe) from a fixed seed.
  static const Payload& shared();

  // Where the stream of the connection with this seed starts in the table.
  [[nodiscard]] static std::uint64_t start_for(std::uint64_t seed) noexcept {
    std::uint64_t state = seed;
    return splitmix64(state) % kPeriodBytes;
  }

  // Stream offset `offset` of the stream starting at `start`; the next
  // kMaxSpanBytes bytes are contiguous from the returned pointer.
  [[nodiscard]] const std::byte* span(std::uint64_t start, std::uint64_t offset) const noexcept {
    return bytes_.data() + (start + offset % kPeriodBytes) % kPeriodBytes;
  }
  [[nodiscard]] std::byte byte_at(std::uint64_t start, std::uint64_t offset) const noexcept {
    return *span(start, offset);
  }

 private:
  Payload();
  std::vector<std::byte> bytes_;
};

}  // namespace echo::bench
