// snapshot/state_codec.hpp + type_fingerprint.hpp: values of standard and
// user types survive encode -> decode; truncated, malformed or over-long
// bytes fail with ec::corrupt_file naming the value (never a crash or a huge
// allocation); fingerprints tell the value types apart and are stable.
#include "snapshot/state_codec.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace codec_test {

/// A user type with CAF's inspect().
struct session {
  int64_t clicks = 0;
  std::string last_page;
  std::optional<double> score;
  std::vector<std::pair<std::string, int32_t>> pages;
  friend bool operator==(const session&, const session&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session& x) {
  return f(caf::meta::type_name("session"), x.clicks, x.last_page, x.score, x.pages);
}

/// Same fields, another name.
struct visit {
  int64_t clicks = 0;
  std::string last_page;
  std::optional<double> score;
  std::vector<std::pair<std::string, int32_t>> pages;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, visit& x) {
  return f(caf::meta::type_name("visit"), x.clicks, x.last_page, x.score, x.pages);
}

/// A recursive user type.
struct tree {
  int32_t value = 0;
  std::vector<tree> children;
  friend bool operator==(const tree&, const tree&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tree& x) {
  return f(caf::meta::type_name("tree"), x.value, x.children);
}

/// No inspect(): CAF cannot serialize it.
struct opaque {
  int x = 0;
};

enum class color : uint8_t { red, green, blue };

/// inspect() for CAF's serializer and deserializer only, not a template.
struct fixed_inspect {
  int32_t x = 0;
};

caf::error inspect(caf::serializer& f, fixed_inspect& v) {
  return f(v.x);
}

caf::error inspect(caf::deserializer& f, fixed_inspect& v) {
  return f(v.x);
}

} // namespace codec_test

using namespace sluice;
using namespace codec_test;

namespace {

template <class T>
T round_trip(const T& x) {
  std::string bytes;
  encode_value(x, bytes);
  return decode_value<T>(bytes, "test value");
}

template <class T>
std::string encoded(const T& x) {
  std::string bytes;
  encode_value(x, bytes);
  return bytes;
}

/// Checks that decoding `bytes` as T fails with ec::corrupt_file whose
/// message starts with the value's name.
template <class T>
void check_corrupt(std::string_view bytes, const std::string& case_name) {
  try {
    (void) decode_value<T>(bytes, "value of " + case_name);
    BOOST_ERROR(case_name << ": decoding succeeded");
  } catch (const exception& e) {
    BOOST_CHECK_MESSAGE(e.code() == ec::corrupt_file, case_name << ": " << to_string(e.code()));
    BOOST_CHECK_MESSAGE(std::string{e.what()}.rfind("value of " + case_name + ": ", 0) == 0,
                        case_name << ": " << e.what());
  }
}

} // namespace

BOOST_AUTO_TEST_SUITE(state_codec)

BOOST_AUTO_TEST_CASE(round_trips_standard_types) {
  BOOST_CHECK_EQUAL(round_trip(int32_t{-7}), -7);
  BOOST_CHECK_EQUAL(round_trip(int64_t{1} << 40), int64_t{1} << 40);
  BOOST_CHECK_EQUAL(round_trip(uint8_t{255}), 255);
  BOOST_CHECK_EQUAL(round_trip(true), true);
  BOOST_CHECK_EQUAL(round_trip(3.25), 3.25);
  BOOST_CHECK_EQUAL(round_trip(-1.5f), -1.5f);
  BOOST_CHECK_EQUAL(round_trip(std::string{}), "");
  BOOST_CHECK_EQUAL(round_trip(std::string("h\0llo", 5)), std::string("h\0llo", 5));
  BOOST_CHECK(round_trip(color::blue) == color::blue);
  BOOST_CHECK(round_trip(std::chrono::milliseconds{1234}) == std::chrono::milliseconds{1234});
  std::vector<int64_t> v{1, -2, 3};
  BOOST_CHECK(round_trip(v) == v);
  BOOST_CHECK(round_trip(std::vector<int64_t>{}).empty());
  std::vector<bool> bits(77, true);
  bits[5] = false;
  BOOST_CHECK(round_trip(bits) == bits);
  std::map<std::string, std::vector<double>> m{{"a", {1.0}}, {"b", {}}, {"c", {2.0, 3.0}}};
  BOOST_CHECK(round_trip(m) == m);
  std::unordered_map<int32_t, std::string> um{{1, "one"}, {2, "two"}};
  BOOST_CHECK(round_trip(um) == um);
  std::set<std::string> s{"x", "y"};
  BOOST_CHECK(round_trip(s) == s);
  std::deque<int16_t> d{1, 2};
  BOOST_CHECK(round_trip(d) == d);
  std::pair<std::string, int64_t> p{"k", 9};
  BOOST_CHECK(round_trip(p) == p);
  std::tuple<int8_t, std::string, double> t{-1, "t", 0.5};
  BOOST_CHECK(round_trip(t) == t);
  std::array<uint16_t, 3> a{1, 2, 3};
  BOOST_CHECK(round_trip(a) == a);
  BOOST_CHECK(round_trip(std::optional<std::string>{}) == std::nullopt);
  BOOST_CHECK(round_trip(std::optional<std::string>{"x"}) == std::optional<std::string>{"x"});
  std::vector<std::optional<int32_t>> vo{1, std::nullopt, 3};
  BOOST_CHECK(round_trip(vo) == vo);
}

BOOST_AUTO_TEST_CASE(round_trips_user_types) {
  session s{42, "/cart", 0.75, {{"/", 1}, {"/cart", 2}}};
  BOOST_CHECK(round_trip(s) == s);
  BOOST_CHECK(round_trip(session{}) == session{});
  std::map<std::string, session> sessions{{"alice", s}, {"bob", {}}};
  BOOST_CHECK(round_trip(sessions) == sessions);
  tree t{1, {{2, {}}, {3, {{4, {}}}}}};
  BOOST_CHECK(round_trip(t) == t);
  // Non-generic inspect: serializable, fingerprinted by its mangled name.
  BOOST_CHECK_EQUAL(round_trip(fixed_inspect{5}).x, 5);
  BOOST_CHECK_EQUAL(type_description<fixed_inspect>().rfind("opaque(", 0), 0u);
}

BOOST_AUTO_TEST_CASE(encode_appends) {
  std::string bytes = "prefix";
  encode_value(int32_t{1}, bytes);
  BOOST_CHECK_EQUAL(bytes.size(), 6u + 4u);
  BOOST_CHECK_EQUAL(bytes.substr(0, 6), "prefix");
  BOOST_CHECK_EQUAL(decode_value<int32_t>(std::string_view{bytes}.substr(6), "x"), 1);
}

BOOST_AUTO_TEST_CASE(trailing_bytes_are_refused) {
  check_corrupt<int32_t>(encoded(int64_t{5}), "int64 read as int32");
  check_corrupt<int32_t>(encoded(int32_t{5}) + "x", "one extra byte");
  check_corrupt<std::string>(encoded(std::string{"ab"}) + '\0', "string plus NUL");
}

BOOST_AUTO_TEST_CASE(truncated_bytes_are_refused) {
  check_corrupt<int64_t>("", "empty input");
  session s{42, "/cart", 0.75, {{"/", 1}, {"/cart", 2}}};
  auto full = encoded(s);
  for (size_t n = 0; n < full.size(); ++n)
    check_corrupt<session>(std::string_view{full}.substr(0, n),
                           "session cut at " + std::to_string(n));
  auto m = encoded(std::map<std::string, int64_t>{{"alice", 1}, {"bob", 2}});
  check_corrupt<std::map<std::string, int64_t>>(std::string_view{m}.substr(0, m.size() - 1),
                                                "map missing a byte");
}

BOOST_AUTO_TEST_CASE(huge_lengths_are_refused_before_allocating) {
  // Varbyte length 2^32 - 1, then 3 bytes: CAF alone would resize a
  // vector<char> to 4 GiB before noticing.
  std::string bytes = "\xff\xff\xff\xff\x0f" "abc";
  check_corrupt<std::vector<char>>(bytes, "vector<char> of 4 GiB");
  check_corrupt<std::vector<uint8_t>>(bytes, "vector<uint8_t> of 4 GiB");
  check_corrupt<std::string>(bytes, "string of 4 GiB");
  check_corrupt<std::vector<std::string>>(bytes, "4 G strings");
  check_corrupt<std::vector<bool>>(bytes, "4 G bits");
}

BOOST_AUTO_TEST_CASE(garbage_never_crashes) {
  // Every short byte string decodes or fails cleanly as any of these types.
  std::string bytes;
  for (uint32_t seed = 1; seed < 400; ++seed) {
    bytes.clear();
    for (uint32_t i = 0; i < seed % 23; ++i)
      bytes += static_cast<char>((seed * 2654435761u >> (i % 24)) & 0xFF);
    auto attempt = [&](auto tag) {
      using T = typename decltype(tag)::type;
      try {
        (void) decode_value<T>(bytes, "garbage");
      } catch (const exception& e) {
        BOOST_REQUIRE(e.code() == ec::corrupt_file);
      }
    };
    attempt(std::type_identity<session>{});
    attempt(std::type_identity<std::map<std::string, std::vector<int64_t>>>{});
    attempt(std::type_identity<tree>{});
    attempt(std::type_identity<std::vector<std::optional<std::string>>>{});
  }
}

BOOST_AUTO_TEST_CASE(serializable_trait) {
  static_assert(is_serializable_v<int32_t>);
  static_assert(is_serializable_v<const std::string>);
  static_assert(is_serializable_v<color>);
  static_assert(is_serializable_v<session>);
  static_assert(is_serializable_v<tree>);
  static_assert(is_serializable_v<std::map<std::string, std::vector<session>>>);
  static_assert(is_serializable_v<std::optional<std::pair<int32_t, std::string>>>);
  static_assert(is_serializable_v<std::vector<bool>>);
  static_assert(!is_serializable_v<opaque>);
  static_assert(!is_serializable_v<std::unique_ptr<int>>);
  static_assert(!is_serializable_v<int*>);
  static_assert(!is_serializable_v<std::vector<opaque>>);
  static_assert(!is_serializable_v<std::optional<std::unique_ptr<int>>>);
  static_assert(!is_serializable_v<std::vector<std::optional<std::unique_ptr<int>>>>);
  static_assert(!is_serializable_v<std::pair<int, opaque>>);
  static_assert(!is_serializable_v<std::map<std::string, opaque>>);
  BOOST_CHECK(true);
}

BOOST_AUTO_TEST_CASE(fingerprints_tell_types_apart) {
  std::vector<uint64_t> fps{
    type_fingerprint<int32_t>(),
    type_fingerprint<int64_t>(),
    type_fingerprint<double>(),
    type_fingerprint<std::string>(),
    type_fingerprint<std::vector<int64_t>>(),
    type_fingerprint<std::pair<std::string, int64_t>>(),
    type_fingerprint<std::optional<int64_t>>(),
    type_fingerprint<std::vector<bool>>(),
    type_fingerprint<std::chrono::milliseconds>(),
    type_fingerprint<std::chrono::seconds>(),
    type_fingerprint<session>(),
    type_fingerprint<visit>(),
    type_fingerprint<tree>(),
    type_fingerprint<opaque>(),
  };
  for (size_t i = 0; i < fps.size(); ++i)
    for (size_t j = i + 1; j < fps.size(); ++j)
      BOOST_CHECK_MESSAGE(fps[i] != fps[j], "types " << i << " and " << j << " collide");
}

BOOST_AUTO_TEST_CASE(fingerprints_are_stable) {
  // Equal across calls, and equal to what an earlier build computed: these
  // values are stored in checkpoints, so a change here breaks restores.
  BOOST_CHECK_EQUAL(type_fingerprint<int64_t>(), type_fingerprint<int64_t>());
  BOOST_CHECK_EQUAL(type_fingerprint<session>(), type_fingerprint<session>());
  BOOST_CHECK_EQUAL(type_description<int32_t>(), "i32");
  BOOST_CHECK_EQUAL(type_description<std::vector<int64_t>>(), "seq(i64)");
  using pair_t = std::pair<std::string, int64_t>;
  using map_t = std::map<std::string, int64_t>;
  BOOST_CHECK_EQUAL(type_description<pair_t>(), "tuple(string,i64)");
  BOOST_CHECK_EQUAL(type_description<map_t>(), "seq(tuple(string,i64))");
  BOOST_CHECK_EQUAL(type_description<std::chrono::milliseconds>(), "duration(i64,1/1000)");
  BOOST_CHECK_EQUAL(type_description<session>(),
                    "struct session{i64,string,optional(f64),seq(tuple(string,i32))}");
  BOOST_CHECK_EQUAL(type_description<tree>(), "struct tree{i32,seq(rec2)}");
  BOOST_CHECK_EQUAL(type_fingerprint<int64_t>(), 0x2eb80f6e3e3a9cbdull); // FNV-1a("sluice-v1:i64")
  // Types CAF writes alike share a fingerprint.
  BOOST_CHECK_EQUAL(type_fingerprint<int64_t>(), type_fingerprint<long long>());
  BOOST_CHECK_EQUAL(type_fingerprint<std::vector<std::string>>(),
                    type_fingerprint<std::deque<std::string>>());
}

BOOST_AUTO_TEST_SUITE_END()
