#include "snapshot/crc32c.hpp"

#include <boost/crc.hpp>

namespace sluice {

namespace {

using crc32c_type = boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true>;

} // namespace

void crc32c_hasher::update(const void* data, size_t size) noexcept {
  if (size == 0)
    return;
  crc32c_type crc{remainder_};
  crc.process_bytes(data, size);
  remainder_ = crc.get_interim_remainder();
}

uint32_t crc32c_hasher::value() const noexcept {
  return crc32c_type{remainder_}.checksum();
}

uint32_t crc32c(const void* data, size_t size) noexcept {
  crc32c_hasher h;
  h.update(data, size);
  return h.value();
}

} // namespace sluice
