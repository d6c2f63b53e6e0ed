// Flink's key-group model: key -> stable bytes -> murmur3 hash -> key group
// -> operator index (subtask).
//
// Every keyed operator and every keyed exchange uses these functions, so a key
// lands in the same key group on every build, platform and run. That is what
// makes savepoints portable and lets a job restore at any parallelism up to
// `max_parallelism` (DESIGN.md, "Keys and options"; invariant 7).
//
// Nothing here uses `std::hash`: a key's bytes come from `key_codec<K>`, which
// is fixed-width little-endian for arithmetic types and raw bytes for strings.
// For `int32_t` keys, `key_group_of` equals Flink's assignment for Java
// `Integer` keys (Integer.hashCode() is the value, hashed over its 4 LE bytes).
//
// All functions are pure and thread-safe. Preconditions are programmer errors
// and checked with `assert` (configuration is validated before we get here).
#pragma once

#include <array>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace sluice {

/// Flink's default when `pipeline.max-parallelism` is unset.
inline constexpr uint32_t default_max_parallelism = 128;

/// Largest admissible max parallelism (Flink's 1 << 15).
inline constexpr uint32_t upper_bound_max_parallelism = 32768;

// The hashing functions are inline: they run two times per keyed record
// (exchange and keyed operator).

namespace detail {

inline uint32_t rotl32(uint32_t x, int r) noexcept {
  return (x << r) | (x >> (32 - r));
}

inline uint32_t fmix32(uint32_t h) noexcept {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

inline uint32_t load_le32(const unsigned char* p) noexcept {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8)
         | (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

} // namespace detail

/// MurmurHash3_x86_32 over `len` bytes at `data`, reading 4-byte blocks as
/// little-endian on every platform. `data` may be null when `len` is 0.
inline uint32_t murmur3_32(const void* data, size_t len, uint32_t seed = 0) noexcept {
  constexpr uint32_t c1 = 0xcc9e2d51u;
  constexpr uint32_t c2 = 0x1b873593u;
  const auto* bytes = static_cast<const unsigned char*>(data);
  const size_t nblocks = len / 4;
  uint32_t h = seed;
  for (size_t i = 0; i < nblocks; ++i) {
    uint32_t k = detail::load_le32(bytes + 4 * i);
    k *= c1;
    k = detail::rotl32(k, 15);
    k *= c2;
    h ^= k;
    h = detail::rotl32(h, 13);
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
      k = detail::rotl32(k, 15);
      k *= c2;
      h ^= k;
  }
  // MurmurHash3 mixes in the length modulo 2^32.
  h ^= static_cast<uint32_t>(len);
  return detail::fmix32(h);
}

/// A murmur3 hash folded to a non-negative int32 exactly like Flink's
/// `MathUtils.murmurHash` (as int32: h >= 0 -> h; h != INT_MIN -> -h;
/// INT_MIN -> 0). Result is always < 2^31.
inline uint32_t fold_key_hash(uint32_t murmur) noexcept {
  auto h = static_cast<int32_t>(murmur);
  if (h >= 0)
    return static_cast<uint32_t>(h);
  if (h != std::numeric_limits<int32_t>::min())
    return static_cast<uint32_t>(-h);
  return 0;
}

/// `fold_key_hash(murmur3_32(key_bytes))`: the hash key groups come from.
inline uint32_t key_hash(std::string_view key_bytes) noexcept {
  return fold_key_hash(murmur3_32(key_bytes.data(), key_bytes.size(), 0));
}

/// Key group of a key hash: `key_hash % max_parallelism` (a mask when
/// max_parallelism is a power of two, like the default 128).
/// Precondition: 0 < max_parallelism <= upper_bound_max_parallelism.
inline uint32_t assign_key_group(uint32_t key_hash, uint32_t max_parallelism) noexcept {
  assert(max_parallelism > 0 && max_parallelism <= upper_bound_max_parallelism);
  if ((max_parallelism & (max_parallelism - 1)) == 0)
    return key_hash & (max_parallelism - 1);
  return key_hash % max_parallelism;
}

/// Subtask owning `key_group`: key_group * parallelism / max_parallelism
/// (64-bit intermediate). Preconditions: 0 < parallelism <= max_parallelism
/// <= upper_bound_max_parallelism, key_group < max_parallelism.
inline uint32_t operator_index_for_key_group(uint32_t max_parallelism, uint32_t parallelism,
                                             uint32_t key_group) noexcept {
  assert(max_parallelism > 0 && max_parallelism <= upper_bound_max_parallelism);
  assert(parallelism > 0 && parallelism <= max_parallelism);
  assert(key_group < max_parallelism);
  return static_cast<uint32_t>(uint64_t{key_group} * parallelism / max_parallelism);
}

/// An inclusive range [first, last] of key groups, like Flink's KeyGroupRange.
/// Empty when first > last (the default-constructed range is {0, 0}, i.e. key
/// group 0 only; use `key_group_range::empty_range()` for an empty one).
struct key_group_range {
  uint32_t first = 0;
  uint32_t last = 0;

  static constexpr key_group_range empty_range() noexcept {
    return {1, 0};
  }

  constexpr bool empty() const noexcept {
    return first > last;
  }

  constexpr bool contains(uint32_t kg) const noexcept {
    return first <= kg && kg <= last;
  }

  /// Number of key groups in the range (0 when empty).
  constexpr size_t size() const noexcept {
    return empty() ? 0 : static_cast<size_t>(last) - first + 1;
  }

  friend bool operator==(const key_group_range&, const key_group_range&) = default;
};

/// Key groups owned by subtask `operator_index` (Flink's
/// KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex):
/// first = (index * maxP + p - 1) / p, last = ((index + 1) * maxP - 1) / p.
/// The ranges of indices 0..p-1 partition [0, max_parallelism) and agree with
/// `operator_index_for_key_group`. Preconditions: 0 < parallelism <=
/// max_parallelism <= upper_bound_max_parallelism, operator_index < parallelism.
key_group_range key_group_range_for_operator(uint32_t max_parallelism, uint32_t parallelism,
                                             uint32_t operator_index) noexcept;

// --- stable key serialization ----------------------------------------------

/// Serializes keys of type K into stable bytes: `static void append(std::string&
/// out, const K&)`. Specialise it for your own types, or (simpler) provide an
/// ADL-visible `void sluice_key_bytes(std::string& out, const K&)`, which the
/// primary template calls. The bytes must depend only on the key's value,
/// never on addresses, `std::hash` or the build.
template <class K, class = void>
struct key_codec {
  static void append(std::string& out, const K& key) {
    sluice_key_bytes(out, key); // ADL hook of the user's type
  }
};

namespace detail {

template <class T>
inline constexpr bool is_fixed_width_key_v
  = (std::is_arithmetic_v<T> || std::is_enum_v<T>) && !std::is_same_v<T, long double>;

template <class T>
struct is_string_key : std::false_type {};
template <class Traits, class Alloc>
struct is_string_key<std::basic_string<char, Traits, Alloc>> : std::true_type {};
template <class Traits>
struct is_string_key<std::basic_string_view<char, Traits>> : std::true_type {};
template <>
struct is_string_key<const char*> : std::true_type {};
template <>
struct is_string_key<char*> : std::true_type {};
template <size_t N>
struct is_string_key<char[N]> : std::true_type {};

template <class T>
inline constexpr bool is_string_key_v = is_string_key<std::remove_cv_t<T>>::value;

template <class T>
struct is_tuple_key : std::false_type {};
template <class A, class B>
struct is_tuple_key<std::pair<A, B>> : std::true_type {};
template <class... Ts>
struct is_tuple_key<std::tuple<Ts...>> : std::true_type {};

/// Bytes of a string-like key, without copying. A char array is read up to
/// its first NUL (it is a string literal), like `const char*`.
template <class T>
std::string_view string_key_view(const T& key) noexcept {
  if constexpr (std::is_array_v<T>) {
    const char* nul = std::char_traits<char>::find(key, std::extent_v<T>, '\0');
    return std::string_view{key, nul ? static_cast<size_t>(nul - key) : std::extent_v<T>};
  }
  else if constexpr (std::is_pointer_v<T>)
    return key == nullptr ? std::string_view{} : std::string_view{key};
  else
    return std::string_view{key.data(), key.size()};
}

/// The value of a fixed-width key as an unsigned integer of the same width.
/// Floating point is canonicalised so that equal keys give equal bytes:
/// -0.0 becomes +0.0 and every NaN the same quiet NaN.
template <class T>
auto fixed_width_bits(T value) noexcept {
  if constexpr (std::is_same_v<T, bool>) {
    return static_cast<uint8_t>(value ? 1 : 0);
  } else if constexpr (std::is_enum_v<T>) {
    return fixed_width_bits(static_cast<std::underlying_type_t<T>>(value));
  } else if constexpr (std::is_floating_point_v<T>) {
    static_assert(sizeof(T) == 4 || sizeof(T) == 8, "only 32- and 64-bit floating point keys");
    using bits_t = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
    if (value != value) // NaN
      value = std::numeric_limits<T>::quiet_NaN();
    else if (value == T{0})
      value = T{0};
    return std::bit_cast<bits_t>(value);
  } else {
    return static_cast<std::make_unsigned_t<T>>(value);
  }
}

/// Writes the little-endian bytes of a fixed-width key into `buf`.
template <class T>
void store_le(char* buf, T value) noexcept {
  auto bits = fixed_width_bits(value);
  for (size_t i = 0; i < sizeof(bits); ++i)
    buf[i] = static_cast<char>(static_cast<uint8_t>(bits >> (8 * i)));
}

inline void append_u32_le(std::string& out, uint32_t v) {
  char buf[4];
  store_le(buf, v);
  out.append(buf, 4);
}

} // namespace detail

/// Integral, floating-point and enum keys: fixed-width little-endian bytes of
/// the value (int32_t -> 4 bytes; bool -> 1 byte, 0 or 1).
template <class K>
struct key_codec<K, std::enable_if_t<detail::is_fixed_width_key_v<K>>> {
  static void append(std::string& out, K key) {
    char buf[sizeof(detail::fixed_width_bits(key))];
    detail::store_le(buf, key);
    out.append(buf, sizeof(buf));
  }
};

/// std::string, std::string_view, const char*, char arrays: the raw bytes.
template <class K>
struct key_codec<K, std::enable_if_t<detail::is_string_key_v<K>>> {
  static void append(std::string& out, const K& key) {
    out.append(detail::string_key_view(key));
  }
};

template <class K>
void append_key_bytes(std::string& out, const K& key);

namespace detail {

/// One element of a pair/tuple: fixed-width elements and nested tuples are
/// self-delimiting and written as is; every other element (strings, user
/// types) gets a 4-byte little-endian length prefix, so ("ab","c") and
/// ("a","bc") differ.
template <class E>
void append_tuple_element(std::string& out, const E& e) {
  if constexpr (is_fixed_width_key_v<E> || is_tuple_key<E>::value) {
    append_key_bytes(out, e);
  } else if constexpr (is_string_key_v<E>) {
    auto sv = string_key_view(e);
    append_u32_le(out, static_cast<uint32_t>(sv.size()));
    out.append(sv);
  } else {
    auto at = out.size();
    out.append(4, '\0');
    append_key_bytes(out, e);
    char buf[4];
    store_le(buf, static_cast<uint32_t>(out.size() - at - 4));
    out.replace(at, 4, buf, 4);
  }
}

} // namespace detail

/// std::pair and std::tuple: each element in order (see append_tuple_element).
template <class K>
struct key_codec<K, std::enable_if_t<detail::is_tuple_key<K>::value>> {
  static void append(std::string& out, const K& key) {
    std::apply([&out](const auto&... es) { (detail::append_tuple_element(out, es), ...); },
               key);
  }
};

/// Appends the stable bytes of `key` to `out` (does not clear `out`).
template <class K>
void append_key_bytes(std::string& out, const K& key) {
  key_codec<std::remove_cv_t<K>>::append(out, key);
}

/// Hash of a key as `key_hash(bytes of key)`. Does not allocate for
/// arithmetic, enum and string keys; other keys are serialized into a local
/// string (no allocation for short keys thanks to the small-string buffer).
template <class K>
uint32_t key_hash_of(const K& key) {
  using T = std::remove_cv_t<K>;
  if constexpr (detail::is_fixed_width_key_v<T>) {
    std::array<char, sizeof(detail::fixed_width_bits(key))> buf;
    detail::store_le(buf.data(), key);
    return key_hash(std::string_view{buf.data(), buf.size()});
  } else if constexpr (detail::is_string_key_v<T>) {
    return key_hash(detail::string_key_view(key));
  } else {
    std::string bytes;
    append_key_bytes(bytes, key);
    return key_hash(bytes);
  }
}

/// Key group of `key`: assign_key_group(key_hash(bytes of key), max_parallelism).
/// Precondition: 0 < max_parallelism <= upper_bound_max_parallelism.
template <class K>
uint32_t key_group_of(const K& key, uint32_t max_parallelism) {
  return assign_key_group(key_hash_of(key), max_parallelism);
}

} // namespace sluice
