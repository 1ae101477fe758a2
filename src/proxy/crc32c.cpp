// CRC32C through Boost.CRC: polynomial 0x1EDC6F41, reflected, all-ones in and out.
#include "proxy/crc32c.hpp"

#include <array>
#include <boost/crc.hpp>

namespace echo::proxy {
namespace {

using Crc32c = boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true>;
constexpr std::size_t crc32c_bytes = 4;

}  // namespace

std::uint32_t compute_crc32c(std::span<const std::uint8_t> bytes) {
  Crc32c crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

std::uint32_t compute_header_crc32c(std::span<const std::uint8_t> header,
                                    std::size_t field_offset) {
  static constexpr std::array<std::uint8_t, crc32c_bytes> zeros{};
  Crc32c crc;
  crc.process_bytes(header.data(), field_offset);
  crc.process_bytes(zeros.data(), zeros.size());
  const std::size_t after = field_offset + crc32c_bytes;
  crc.process_bytes(header.data() + after, header.size() - after);
  return crc.checksum();
}

}  // namespace echo::proxy
