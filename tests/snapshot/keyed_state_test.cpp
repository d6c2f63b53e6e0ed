// Keyed value state on the in-memory backend: per-key values, isolation
// between keys and key groups, registration rules, per-key-group iteration.
#include "snapshot/keyed_state_backend.hpp"

#include <boost/test/unit_test.hpp>

#include "backend_test_util.hpp"

namespace backend_test = sluice::backend_test;

#include <map>
#include <string>
#include <string_view>

namespace {

struct session {
  int64_t clicks = 0;
  std::string last_page;
  friend bool operator==(const session&, const session&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session& x) {
  return f(caf::meta::type_name("session"), x.clicks, x.last_page);
}

// Serializes `key` and makes it current, the way a keyed operator does.
void select(sluice::keyed_state_backend& b, const std::string& key) {
  b.set_current_key(key, sluice::key_group_of(key, b.max_parallelism()));
}

// A key (its string form) whose key group is `kg` for max parallelism `max_p`.
std::string key_in_group(uint32_t kg, uint32_t max_p, int skip = 0) {
  for (int i = 0;; ++i) {
    auto k = "k" + std::to_string(i);
    if (sluice::key_group_of(k, max_p) == kg && skip-- == 0)
      return k;
  }
}

} // namespace

BOOST_AUTO_TEST_SUITE(keyed_state)

BOOST_DATA_TEST_CASE(value_update_clear_per_key, SLUICE_BACKENDS, kind) {
  sluice::keyed_state_backend b{128, {0, 127}, backend_test::options(kind)};
  auto& count = b.get_state(sluice::value_state_descriptor<int>{"count"});
  BOOST_CHECK_EQUAL(count.name(), "count");
  select(b, "alice");
  BOOST_CHECK(!count.value().has_value());
  BOOST_CHECK_EQUAL(count.value_or(-1), -1);
  count.update(1);
  BOOST_CHECK_EQUAL(count.value().value(), 1);
  count.update(count.value_or(0) + 1);
  BOOST_CHECK_EQUAL(count.value_or(-1), 2);
  BOOST_CHECK_EQUAL(count.size(), 1u);
  select(b, "bob");
  BOOST_CHECK(!count.value().has_value());
  count.update(10);
  BOOST_CHECK_EQUAL(count.size(), 2u);
  select(b, "alice");
  BOOST_CHECK_EQUAL(count.value_or(-1), 2);
  count.clear();
  BOOST_CHECK(!count.value().has_value());
  BOOST_CHECK_EQUAL(count.size(), 1u);
  count.clear(); // clearing an unset key is a no-op
  BOOST_CHECK_EQUAL(count.size(), 1u);
  select(b, "bob");
  BOOST_CHECK_EQUAL(count.value_or(-1), 10);
}

BOOST_DATA_TEST_CASE(find_and_emplace_update_in_place, SLUICE_BACKENDS, kind) {
  sluice::keyed_state_backend b{128, {0, 127}, backend_test::options(kind)};
  auto& count = b.get_state(sluice::value_state_descriptor<int>{"count"});
  select(b, "alice");
  BOOST_CHECK(count.find() == nullptr);
  BOOST_CHECK_EQUAL(count.emplace(5), 5);
  BOOST_CHECK_EQUAL(count.size(), 1u);
  auto* v = count.find();
  BOOST_REQUIRE(v != nullptr);
  *v += 2;
  BOOST_CHECK_EQUAL(count.value_or(-1), 7);
  select(b, "bob");
  BOOST_CHECK(count.find() == nullptr);
  count.emplace(1);
  BOOST_CHECK_EQUAL(count.size(), 2u);
  select(b, "alice");
  BOOST_CHECK_EQUAL(*count.find(), 7);
}

BOOST_DATA_TEST_CASE(states_are_independent, SLUICE_BACKENDS, kind) {
  sluice::keyed_state_backend b{128, {0, 127}, backend_test::options(kind)};
  auto& a = b.get_state(sluice::value_state_descriptor<int>{"a"});
  auto& c = b.get_state(sluice::value_state_descriptor<int>{"c"});
  BOOST_CHECK_EQUAL(b.num_states(), 2u);
  select(b, "x");
  a.update(1);
  BOOST_CHECK(!c.value().has_value());
  c.update(2);
  BOOST_CHECK_EQUAL(a.value_or(0), 1);
  BOOST_CHECK_EQUAL(c.value_or(0), 2);
}

BOOST_DATA_TEST_CASE(same_key_bytes_in_different_key_groups_are_isolated, SLUICE_BACKENDS, kind) {
  // The backend trusts the caller's key group; entries live per key group.
  sluice::keyed_state_backend b{8, {2, 5}, backend_test::options(kind)};
  auto& s = b.get_state(sluice::value_state_descriptor<int>{"s"});
  b.set_current_key("k", 2);
  s.update(2);
  b.set_current_key("k", 5);
  BOOST_CHECK(!s.value().has_value());
  s.update(5);
  b.set_current_key("k", 2);
  BOOST_CHECK_EQUAL(s.value_or(0), 2);
  BOOST_CHECK_EQUAL(s.size(), 2u);
  BOOST_CHECK_EQUAL(s.size_in_key_group(2), 1u);
  BOOST_CHECK_EQUAL(s.size_in_key_group(3), 0u);
  BOOST_CHECK_EQUAL(s.size_in_key_group(5), 1u);
  BOOST_CHECK_EQUAL(s.size_in_key_group(6), 0u); // outside the range
}

BOOST_DATA_TEST_CASE(same_descriptor_returns_same_object, SLUICE_BACKENDS, kind) {
  sluice::keyed_state_backend b{128, {0, 127}, backend_test::options(kind)};
  sluice::value_state_descriptor<session> desc{"sessions"};
  auto* first = &b.get_state(desc);
  for (int i = 0; i < 50; ++i) // later registrations do not move it
    b.get_state(sluice::value_state_descriptor<int>{"other" + std::to_string(i)});
  auto* again = &b.get_state(sluice::value_state_descriptor<session>{"sessions"});
  BOOST_CHECK_EQUAL(first, again);
  BOOST_CHECK_EQUAL(b.num_states(), 51u);
  // A moved backend keeps its states at the same addresses, still working.
  select(b, "k");
  first->update(session{1, "/"});
  sluice::keyed_state_backend moved = std::move(b);
  BOOST_CHECK_EQUAL(&moved.get_state(desc), first);
  BOOST_CHECK((first->value_or({}) == session{1, "/"}));
}

BOOST_DATA_TEST_CASE(type_mismatch_throws, SLUICE_BACKENDS, kind) {
  sluice::keyed_state_backend b{128, {0, 127}, backend_test::options(kind)};
  b.get_state(sluice::value_state_descriptor<int>{"count"});
  try {
    b.get_state(sluice::value_state_descriptor<double>{"count"});
    BOOST_ERROR("expected sluice::exception");
  } catch (const sluice::exception& e) {
    BOOST_CHECK(e.code() == sluice::ec::state_type_mismatch);
    std::string what = e.what();
    BOOST_CHECK_MESSAGE(what.find("'count'") != std::string::npos, what);
    BOOST_CHECK_MESSAGE(what.find("int") != std::string::npos, what);
    BOOST_CHECK_MESSAGE(what.find("double") != std::string::npos, what);
  }
  BOOST_CHECK_EQUAL(b.num_states(), 1u);
  // The registered state is untouched and still reachable.
  BOOST_CHECK_NO_THROW(b.get_state(sluice::value_state_descriptor<int>{"count"}));
}

BOOST_DATA_TEST_CASE(user_struct_values, SLUICE_BACKENDS, kind) {
  sluice::keyed_state_backend b{128, {0, 127}, backend_test::options(kind)};
  auto& s = b.get_state(sluice::value_state_descriptor<session>{"session"});
  select(b, "u1");
  auto v = s.value_or(session{});
  v.clicks += 3;
  v.last_page = "/cart";
  s.update(v);
  select(b, "u2");
  s.update(session{1, "/"});
  select(b, "u1");
  BOOST_REQUIRE(s.value().has_value());
  BOOST_CHECK_EQUAL(s.value()->clicks, 3);
  BOOST_CHECK_EQUAL(s.value()->last_page, "/cart");
}

BOOST_DATA_TEST_CASE(for_each_in_key_group_sees_exactly_that_group, SLUICE_BACKENDS, kind) {
  constexpr uint32_t max_p = 16;
  auto range = sluice::key_group_range_for_operator(max_p, 2, 1); // [8, 15]
  sluice::keyed_state_backend b{max_p, range, backend_test::options(kind)};
  auto& s = b.get_state(sluice::value_state_descriptor<int>{"v"});
  std::map<uint32_t, std::map<std::string, int>> expected;
  int n = 0;
  for (uint32_t kg = range.first; kg <= range.last; ++kg) {
    for (int j = 0; j < static_cast<int>(kg % 3); ++j) { // 0..2 keys per group
      auto key = key_in_group(kg, max_p, j);
      select(b, key);
      s.update(++n);
      expected[kg][key] = n;
    }
  }
  // One key set then cleared must not show up.
  auto gone = key_in_group(9, max_p, 5);
  select(b, gone);
  s.update(-1);
  s.clear();
  BOOST_CHECK_EQUAL(s.size(), static_cast<size_t>(n));
  for (uint32_t kg = range.first; kg <= range.last; ++kg) {
    std::map<std::string, int> seen;
    s.for_each_in_key_group(kg, [&](std::string_view key, const int& value) {
      BOOST_CHECK_EQUAL(sluice::key_group_of(key, max_p), kg);
      BOOST_CHECK(seen.emplace(std::string{key}, value).second);
    });
    BOOST_CHECK_MESSAGE(seen == expected[kg], "key group " << kg);
    BOOST_CHECK_EQUAL(s.size_in_key_group(kg), expected[kg].size());
  }
  int outside = 0;
  s.for_each_in_key_group(0, [&](std::string_view, const int&) { ++outside; });
  BOOST_CHECK_EQUAL(outside, 0);
}

BOOST_DATA_TEST_CASE(current_key_reuses_its_buffer, SLUICE_BACKENDS, kind) {
  sluice::keyed_state_backend b{128, {0, 127}, backend_test::options(kind)};
  b.set_current_key_of(std::string(40, 'x')); // warm up: longest key
  BOOST_CHECK_EQUAL(b.current_key(), std::string(40, 'x'));
  const char* buffer = b.current_key().data();
  for (int i = 0; i < 100; ++i) {
    auto key = "key-" + std::to_string(i);
    select(b, key);
    BOOST_CHECK_EQUAL(b.current_key().data(), buffer);
    BOOST_CHECK_EQUAL(b.current_key(), key);
    BOOST_CHECK_EQUAL(b.current_key_group(), sluice::key_group_of(key, 128));
  }
}

BOOST_DATA_TEST_CASE(set_current_key_of_refuses_a_key_outside_the_range, SLUICE_BACKENDS, kind) {
  sluice::keyed_state_backend b{128, {0, 63}, backend_test::options(kind)};
  auto inside = key_in_group(10, 128);
  auto outside = key_in_group(100, 128);
  BOOST_CHECK(b.set_current_key_of(inside));
  BOOST_CHECK(!b.set_current_key_of(outside));
  BOOST_CHECK_EQUAL(b.current_key_group(), 100u);
}

BOOST_DATA_TEST_CASE(set_current_key_of_serializes_like_append_key_bytes, SLUICE_BACKENDS, kind) {
  sluice::keyed_state_backend b{128, {0, 127}, backend_test::options(kind)};
  auto& s = b.get_state(sluice::value_state_descriptor<int>{"s"});
  b.set_current_key_of(int32_t{42});
  s.update(7);
  std::string bytes;
  sluice::append_key_bytes(bytes, int32_t{42});
  BOOST_CHECK_EQUAL(b.current_key(), bytes);
  BOOST_CHECK_EQUAL(b.current_key_group(), sluice::key_group_of(int32_t{42}, 128));
  b.set_current_key(bytes, sluice::key_group_of(int32_t{42}, 128));
  BOOST_CHECK_EQUAL(s.value_or(0), 7);
}

BOOST_DATA_TEST_CASE(accessors, SLUICE_BACKENDS, kind) {
  sluice::keyed_state_backend b{256, {10, 20}, backend_test::options(kind)};
  BOOST_CHECK_EQUAL(b.max_parallelism(), 256u);
  BOOST_CHECK((b.range() == sluice::key_group_range{10, 20}));
  BOOST_CHECK_EQUAL(b.num_states(), 0u);
  sluice::keyed_state_backend empty{4, sluice::key_group_range::empty_range(), backend_test::options(kind)};
  auto& s = empty.get_state(sluice::value_state_descriptor<int>{"s"});
  BOOST_CHECK_EQUAL(s.size(), 0u);
}

BOOST_AUTO_TEST_SUITE_END()
