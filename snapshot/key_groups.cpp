#include "snapshot/key_groups.hpp"

#include <climits>

namespace sluice {

namespace {

uint32_t rotl32(uint32_t x, int r) noexcept {
  return (x << r) | (x >> (32 - r));
}

uint32_t fmix32(uint32_t h) noexcept {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

uint32_t load_le32(const unsigned char* p) noexcept {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8)
         | (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

} // namespace

uint32_t murmur3_32(const void* data, size_t len, uint32_t seed) noexcept {
  constexpr uint32_t c1 = 0xcc9e2d51u;
  constexpr uint32_t c2 = 0x1b873593u;
  const auto* bytes = static_cast<const unsigned char*>(data);
  const size_t nblocks = len / 4;
  uint32_t h = seed;
  for (size_t i = 0; i < nblocks; ++i) {
    uint32_t k = load_le32(bytes + 4 * i);
    k *= c1;
    k = rotl32(k, 15);
    k *= c2;
    h ^= k;
    h = rotl32(h, 13);
    h = h * 5 + 0xe6546b64u;
  }
  const unsigned char* tail = bytes + 4 * nblocks;
  uint32_t k = 0;
  switch (len & 3) {
    case 3:
      k ^= static_cast<uint32_t>(tail[2]) << 16;
      [[fallthrough]];
    case 2:
      k ^= static_cast<uint32_t>(tail[1]) << 8;
      [[fallthrough]];
    case 1:
      k ^= tail[0];
      k *= c1;
      k = rotl32(k, 15);
      k *= c2;
      h ^= k;
  }
  // MurmurHash3 mixes in the length modulo 2^32.
  h ^= static_cast<uint32_t>(len);
  return fmix32(h);
}

uint32_t key_hash(std::string_view key_bytes) noexcept {
  auto h = static_cast<int32_t>(murmur3_32(key_bytes.data(), key_bytes.size(), 0));
  if (h >= 0)
    return static_cast<uint32_t>(h);
  if (h != INT32_MIN)
    return static_cast<uint32_t>(-h);
  return 0;
}

uint32_t assign_key_group(uint32_t key_hash, uint32_t max_parallelism) noexcept {
  assert(max_parallelism > 0 && max_parallelism <= upper_bound_max_parallelism);
  return key_hash % max_parallelism;
}

uint32_t operator_index_for_key_group(uint32_t max_parallelism, uint32_t parallelism,
                                      uint32_t key_group) noexcept {
  assert(max_parallelism > 0 && max_parallelism <= upper_bound_max_parallelism);
  assert(parallelism > 0 && parallelism <= max_parallelism);
  assert(key_group < max_parallelism);
  return static_cast<uint32_t>(uint64_t{key_group} * parallelism / max_parallelism);
}

key_group_range key_group_range_for_operator(uint32_t max_parallelism, uint32_t parallelism,
                                             uint32_t operator_index) noexcept {
  assert(max_parallelism > 0 && max_parallelism <= upper_bound_max_parallelism);
  assert(parallelism > 0 && parallelism <= max_parallelism);
  assert(operator_index < parallelism);
  const uint64_t max_p = max_parallelism;
  const uint64_t p = parallelism;
  const uint64_t i = operator_index;
  return {static_cast<uint32_t>((i * max_p + p - 1) / p),
          static_cast<uint32_t>(((i + 1) * max_p - 1) / p)};
}

} // namespace sluice
