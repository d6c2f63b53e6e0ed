// CRC32C (Castagnoli polynomial 0x1EDC6F41, reflected, init and final XOR
// 0xFFFFFFFF): the checksum of every snapshot file's header and body (see
// snapshot/snapshot_format.hpp). Same function as iSCSI, ext4, LevelDB and
// Kafka; crc32c("123456789") == 0xE3069283.
//
// Pure functions and a small value type; thread-safe. Implemented with
// Boost.CRC in crc32c.cpp, so this header pulls in no Boost.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice {

/// Incremental CRC32C: update() with consecutive pieces, then value().
/// value() of pieces equals crc32c() of their concatenation.
class crc32c_hasher {
public:
  void update(const void* data, size_t size) noexcept;

  void update(std::string_view bytes) noexcept {
    update(bytes.data(), bytes.size());
  }

  /// The CRC32C of everything passed to update() so far (0 for nothing).
  uint32_t value() const noexcept;

private:
  uint32_t remainder_ = 0xFFFFFFFFu; // Boost.CRC interim remainder (initial value)
};

/// CRC32C of `size` bytes at `data` (`data` may be null when size is 0).
uint32_t crc32c(const void* data, size_t size) noexcept;

inline uint32_t crc32c(std::string_view bytes) noexcept {
  return crc32c(bytes.data(), bytes.size());
}

} // namespace sluice
