// Key-group model: murmur3 reference vectors, Flink compatibility for int32
// keys, range/index consistency, stable key serialization.
#include "snapshot/key_groups.hpp"

#include <boost/test/unit_test.hpp>

#include <climits>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace key_groups_test {

namespace {

// Independent transcription of Flink's Java code, with Java int semantics
// (wrapping multiplication, >>> as unsigned shift).
int32_t java_mul(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) * static_cast<uint32_t>(b));
}
int32_t java_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
int32_t java_rotate_left(int32_t i, int distance) {
  auto u = static_cast<uint32_t>(i);
  return static_cast<int32_t>((u << distance) | (u >> (32 - distance)));
}
int32_t java_ushr(int32_t i, int n) {
  return static_cast<int32_t>(static_cast<uint32_t>(i) >> n);
}

// org.apache.flink.util.MathUtils.bitMix
int32_t flink_bit_mix(int32_t in) {
  in ^= java_ushr(in, 16);
  in = java_mul(in, static_cast<int32_t>(0x85ebca6b));
  in ^= java_ushr(in, 13);
  in = java_mul(in, static_cast<int32_t>(0xc2b2ae35));
  in ^= java_ushr(in, 16);
  return in;
}

// org.apache.flink.util.MathUtils.murmurHash(int)
int32_t flink_murmur_hash(int32_t code) {
  code = java_mul(code, static_cast<int32_t>(0xcc9e2d51));
  code = java_rotate_left(code, 15);
  code = java_mul(code, 0x1b873593);
  code = java_rotate_left(code, 13);
  code = java_add(java_mul(code, 5), static_cast<int32_t>(0xe6546b64));
  code ^= 4;
  code = flink_bit_mix(code);
  if (code >= 0)
    return code;
  else if (code != INT_MIN)
    return -code;
  else
    return 0;
}

// KeyGroupRangeAssignment.assignToKeyGroup(Integer key, maxParallelism)
int32_t flink_key_group_for_int(int32_t key, int32_t max_parallelism) {
  return flink_murmur_hash(key /* Integer.hashCode() */) % max_parallelism;
}

uint32_t mm(std::string_view s, uint32_t seed = 0) {
  return sluice::murmur3_32(s.data(), s.size(), seed);
}

} // namespace

// A user key type serialized through the ADL hook.
namespace user {
struct account {
  uint64_t bank;
  std::string iban;
};
void sluice_key_bytes(std::string& out, const account& a) {
  sluice::append_key_bytes(out, a.bank);
  out.append(a.iban);
}
enum class color : uint16_t { red = 1, green = 0x0203 };
} // namespace user

BOOST_AUTO_TEST_SUITE(key_groups)

BOOST_AUTO_TEST_CASE(murmur3_matches_reference_vectors) {
  // Published MurmurHash3_x86_32 vectors (SMHasher), cross-checked with an
  // independent implementation of the reference algorithm.
  BOOST_CHECK_EQUAL(mm("", 0), 0u);
  BOOST_CHECK_EQUAL(mm("", 1), 0x514e28b7u);
  BOOST_CHECK_EQUAL(mm("", 0xffffffffu), 0x81f16f39u);
  BOOST_CHECK_EQUAL(mm(std::string_view{"\0\0\0\0", 4}, 0), 0x2362f9deu);
  BOOST_CHECK_EQUAL(mm("\xff\xff\xff\xff", 0), 0x76293b50u);
  BOOST_CHECK_EQUAL(mm("\x21\x43\x65\x87", 0), 0xf55b516bu);
  BOOST_CHECK_EQUAL(mm("\x21\x43\x65", 0), 0x7e4a8634u); // 3-byte tail
  BOOST_CHECK_EQUAL(mm("\x21\x43", 0), 0xa0f7b07au);     // 2-byte tail
  BOOST_CHECK_EQUAL(mm("\x21", 0), 0x72661cf4u);         // 1-byte tail
  BOOST_CHECK_EQUAL(mm("aaaa", 0x9747b28cu), 0x5a97808au);
  BOOST_CHECK_EQUAL(mm("Hello, world!", 0x9747b28cu), 0x24884cbau);
  BOOST_CHECK_EQUAL(mm("The quick brown fox jumps over the lazy dog", 0x9747b28cu), 0x2fa826cdu);
  BOOST_CHECK_EQUAL(mm("hello", 0), 0x248bfa47u);
  BOOST_CHECK_EQUAL(mm("The quick brown fox jumps over the lazy dog", 0), 0x2e4ff723u);
  BOOST_CHECK_EQUAL(sluice::murmur3_32(nullptr, 0), 0u);
}

BOOST_AUTO_TEST_CASE(murmur3_reads_unaligned_input) {
  const std::string text = "xThe quick brown fox jumps over the lazy dog";
  BOOST_CHECK_EQUAL(mm(std::string_view{text}.substr(1), 0), 0x2e4ff723u);
}

BOOST_AUTO_TEST_CASE(key_hash_folds_like_flink) {
  // Find inputs whose raw hash is negative, positive and check the fold.
  int negatives = 0;
  for (int i = 0; i < 1000; ++i) {
    auto s = std::to_string(i);
    auto raw = static_cast<int32_t>(mm(s));
    auto folded = sluice::key_hash(s);
    BOOST_CHECK_LT(folded, 0x80000000u);
    if (raw >= 0) {
      BOOST_CHECK_EQUAL(folded, static_cast<uint32_t>(raw));
    } else {
      ++negatives;
      BOOST_CHECK_EQUAL(folded, static_cast<uint32_t>(-static_cast<int64_t>(raw)));
    }
  }
  BOOST_CHECK_GT(negatives, 0);
}

BOOST_AUTO_TEST_CASE(int32_keys_match_flink) {
  for (uint32_t max_p : {1u, 2u, 7u, 128u, 1000u, 32768u}) {
    for (int32_t key = -10000; key <= 10000; ++key) {
      auto expected = static_cast<uint32_t>(flink_key_group_for_int(key, static_cast<int32_t>(max_p)));
      if (sluice::key_group_of(key, max_p) != expected) {
        BOOST_ERROR("key " << key << " max_p " << max_p << ": got "
                           << sluice::key_group_of(key, max_p) << ", Flink " << expected);
        break;
      }
    }
    for (int32_t key : {INT_MIN, INT_MIN + 1, INT_MAX - 1, INT_MAX, 0x12345678, -0x12345678})
      BOOST_CHECK_EQUAL(sluice::key_group_of(key, max_p),
                        static_cast<uint32_t>(
                          flink_key_group_for_int(key, static_cast<int32_t>(max_p))));
  }
  // The int32 path equals hashing the 4 little-endian bytes.
  std::string bytes;
  sluice::append_key_bytes(bytes, int32_t{0x04030201});
  BOOST_CHECK_EQUAL(bytes, std::string("\x01\x02\x03\x04"));
}

BOOST_AUTO_TEST_CASE(operator_index_boundaries) {
  using sluice::operator_index_for_key_group;
  BOOST_CHECK_EQUAL(operator_index_for_key_group(128, 2, 0), 0u);
  BOOST_CHECK_EQUAL(operator_index_for_key_group(128, 2, 63), 0u);
  BOOST_CHECK_EQUAL(operator_index_for_key_group(128, 2, 64), 1u);
  BOOST_CHECK_EQUAL(operator_index_for_key_group(128, 2, 127), 1u);
  // p = 3: [0, 42], [43, 85], [86, 127]
  using sluice::key_group_range;
  using sluice::key_group_range_for_operator;
  BOOST_CHECK((key_group_range_for_operator(128, 3, 0) == key_group_range{0, 42}));
  BOOST_CHECK((key_group_range_for_operator(128, 3, 1) == key_group_range{43, 85}));
  BOOST_CHECK((key_group_range_for_operator(128, 3, 2) == key_group_range{86, 127}));
  BOOST_CHECK_EQUAL(operator_index_for_key_group(128, 3, 42), 0u);
  BOOST_CHECK_EQUAL(operator_index_for_key_group(128, 3, 43), 1u);
  BOOST_CHECK_EQUAL(operator_index_for_key_group(128, 3, 85), 1u);
  BOOST_CHECK_EQUAL(operator_index_for_key_group(128, 3, 86), 2u);
  // No 32-bit overflow at the upper bound.
  BOOST_CHECK_EQUAL(operator_index_for_key_group(32768, 32768, 32767), 32767u);
  BOOST_CHECK((key_group_range_for_operator(32768, 32768, 32767) == key_group_range{32767, 32767}));
}

BOOST_AUTO_TEST_CASE(ranges_partition_key_groups) {
  for (uint32_t max_p : {1u, 7u, 128u, 300u}) {
    for (uint32_t p = 1; p <= max_p; ++p) {
      std::vector<int> owner(max_p, -1);
      uint32_t next = 0;
      for (uint32_t i = 0; i < p; ++i) {
        auto r = sluice::key_group_range_for_operator(max_p, p, i);
        // Contiguous and in order: each range starts where the previous ended.
        BOOST_REQUIRE_EQUAL(r.first, next);
        next = r.empty() ? next : r.last + 1;
        for (uint32_t kg = r.first; !r.empty() && kg <= r.last; ++kg) {
          BOOST_REQUIRE_EQUAL(owner[kg], -1);
          owner[kg] = static_cast<int>(i);
          BOOST_REQUIRE(r.contains(kg));
          BOOST_REQUIRE_EQUAL(sluice::operator_index_for_key_group(max_p, p, kg), i);
        }
      }
      BOOST_REQUIRE_EQUAL(next, max_p);
      for (uint32_t kg = 0; kg < max_p; ++kg)
        BOOST_REQUIRE_NE(owner[kg], -1);
    }
  }
}

BOOST_AUTO_TEST_CASE(range_basics) {
  sluice::key_group_range r{3, 5};
  BOOST_CHECK_EQUAL(r.size(), 3u);
  BOOST_CHECK(!r.empty());
  BOOST_CHECK(!r.contains(2));
  BOOST_CHECK(r.contains(3));
  BOOST_CHECK(r.contains(5));
  BOOST_CHECK(!r.contains(6));
  auto e = sluice::key_group_range::empty_range();
  BOOST_CHECK(e.empty());
  BOOST_CHECK_EQUAL(e.size(), 0u);
  BOOST_CHECK(!e.contains(0));
  BOOST_CHECK(!e.contains(1));
}

BOOST_AUTO_TEST_CASE(string_keys_hash_their_raw_bytes) {
  const std::string key = "user-42";
  auto expected = sluice::key_hash(key) % 128;
  BOOST_CHECK_EQUAL(sluice::key_group_of(key, 128), expected);
  BOOST_CHECK_EQUAL(sluice::key_group_of(std::string_view{key}, 128), expected);
  BOOST_CHECK_EQUAL(sluice::key_group_of(key.c_str(), 128), expected);
  BOOST_CHECK_EQUAL(sluice::key_group_of("user-42", 128), expected);
  // Stable across builds: the folded murmur3 of the bytes, spelled out.
  auto raw = static_cast<int32_t>(mm("user-42"));
  auto folded = raw >= 0 ? static_cast<uint32_t>(raw)
                         : static_cast<uint32_t>(-static_cast<int64_t>(raw));
  BOOST_CHECK_EQUAL(sluice::key_group_of(key, 128), folded % 128);
  std::string bytes;
  sluice::append_key_bytes(bytes, key);
  BOOST_CHECK_EQUAL(bytes, key);
}

BOOST_AUTO_TEST_CASE(fixed_width_encodings) {
  std::string b;
  sluice::append_key_bytes(b, int64_t{-2});
  BOOST_CHECK_EQUAL(b, std::string(1, '\xfe') + std::string(7, '\xff'));
  b.clear();
  sluice::append_key_bytes(b, uint16_t{0x0102});
  BOOST_CHECK_EQUAL(b, std::string("\x02\x01"));
  b.clear();
  sluice::append_key_bytes(b, true);
  sluice::append_key_bytes(b, false);
  BOOST_CHECK_EQUAL(b, std::string("\x01\x00", 2));
  b.clear();
  sluice::append_key_bytes(b, user::color::green);
  BOOST_CHECK_EQUAL(b, std::string("\x03\x02"));
  b.clear();
  sluice::append_key_bytes(b, 1.0); // IEEE 754: 0x3ff0000000000000
  BOOST_CHECK_EQUAL(b, std::string("\0\0\0\0\0\0\xf0\x3f", 8));
  // Equal doubles give equal bytes, hence one key group.
  BOOST_CHECK_EQUAL(sluice::key_group_of(0.0, 128), sluice::key_group_of(-0.0, 128));
  b.clear();
  sluice::append_key_bytes(b, 2.5f);
  BOOST_CHECK_EQUAL(b.size(), 4u);
}

BOOST_AUTO_TEST_CASE(tuple_keys_prefix_variable_length_elements) {
  std::string b;
  sluice::append_key_bytes(b, std::pair<int32_t, std::string>{1, "ab"});
  BOOST_CHECK_EQUAL(b, std::string("\x01\0\0\0\x02\0\0\0ab", 10));
  std::string x, y;
  sluice::append_key_bytes(x, std::tuple<std::string, std::string>{"ab", "c"});
  sluice::append_key_bytes(y, std::tuple<std::string, std::string>{"a", "bc"});
  BOOST_CHECK_NE(x, y);
  BOOST_CHECK_EQUAL(sluice::key_group_of(std::pair<int32_t, std::string>{1, "ab"}, 128),
                    sluice::key_hash(b) % 128);
}

BOOST_AUTO_TEST_CASE(user_type_uses_adl_hook) {
  user::account a{7, "DE89"};
  std::string b;
  sluice::append_key_bytes(b, a);
  BOOST_CHECK_EQUAL(b, std::string("\x07\0\0\0\0\0\0\0DE89", 12));
  BOOST_CHECK_EQUAL(sluice::key_group_of(a, 128), sluice::key_hash(b) % 128);
  // Inside a tuple, a user type is length-prefixed like a string.
  std::string t;
  sluice::append_key_bytes(t, std::make_tuple(a, int8_t{5}));
  BOOST_CHECK_EQUAL(t, std::string("\x0c\0\0\0", 4) + b + "\x05");
}

BOOST_AUTO_TEST_CASE(no_dependence_on_std_hash) {
  // The key group is a function of the serialized bytes only: two distinct
  // key types with the same bytes land together, and std::hash (which for
  // integers is the identity in libstdc++) would give other groups.
  BOOST_CHECK_EQUAL(sluice::key_group_of(int32_t{0x64636261}, 128),
                    sluice::key_group_of(std::string("abcd"), 128));
  int differs = 0;
  for (uint32_t k = 0; k < 1000; ++k)
    differs += sluice::key_group_of(k, 128) != k % 128;
  BOOST_CHECK_GT(differs, 900);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace key_groups_test
