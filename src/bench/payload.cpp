#include "bench/payload.hpp"

#include <algorithm>

namespace echo::bench {

namespace {
constexpr std::uint64_t kPatternSeed = 0x6563686F2D62656EULL;  // "echo-ben"
}

Payload::Payload() : bytes_(kPeriodBytes + kMaxSpanBytes) {
  std::uint64_t state = kPatternSeed;
  for (std::size_t i = 0; i < kPeriodBytes; i += 8) {
    std::uint64_t word = splitmix64(state);
    for (std::size_t b = 0; b < 8 && i + b < kPeriodBytes; ++b, word >>= 8)
      bytes_[i + b] = static_cast<std::byte>(word & 0xFF);
  }
  std::copy_n(bytes_.begin(), kMaxSpanBytes, bytes_.begin() + kPeriodBytes);
}

const Payload& Payload::shared() {
  static const Payload payload;
  return payload;
}

}  // namespace echo::bench
