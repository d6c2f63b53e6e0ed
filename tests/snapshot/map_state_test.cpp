// Keyed map state (Flink's MapState) on the in-memory backend: put / get /
// remove / contains / put_all / entries / keys / values / clear per key and
// per key group, the seed's "average over the map's values" example,
// snapshot -> memory state file -> fresh backend (same and smaller key group
// range; one entry per key encoding std::vector<std::pair<UK, UV>>), and the
// refusals: a map state never restores as, or re-registers as, a value state
// of its encoding, a list of pairs or a map of other types
// (ec::state_type_mismatch).
#include "snapshot/keyed_state_backend.hpp"
#include "snapshot/state_file_reader.hpp"
#include "snapshot/state_file_writer.hpp"

#include <boost/test/unit_test.hpp>

#include "backend_test_util.hpp"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

using namespace sluice;

namespace {

using backend_test::write_and_load;
using backend_test::restore;

constexpr uint32_t max_p = 128;
const key_group_range whole{0, max_p - 1};

const map_state_descriptor<std::string, int64_t> clicks_desc{"clicks"};

using mappings = std::map<std::string, int64_t>;

void select(keyed_state_backend& b, const std::string& key) {
  BOOST_REQUIRE(b.set_current_key_of(key));
}

/// The current key's mappings, ordered.
template <class State>
mappings to_map(const State& s) {
  mappings result;
  for (const auto& [uk, uv] : s.entries())
    result.emplace(uk, uv);
  return result;
}

/// 300 keys; key i maps "page-j" to i * 10 + j for j < i % 4 (none for
/// i % 4 == 0).
std::map<std::string, mappings> fill(keyed_state_backend& b) {
  std::map<std::string, mappings> expected;
  auto& clicks = b.get_state(clicks_desc);
  for (int i = 0; i < 300; ++i) {
    auto key = "user-" + std::to_string(i);
    select(b, key);
    mappings m;
    for (int j = 0; j < i % 4; ++j)
      m["page-" + std::to_string(j)] = i * 10 + j;
    if (i % 2 == 0) {
      for (const auto& [uk, uv] : m)
        clicks.put(uk, uv);
    } else {
      clicks.put_all(m);
    }
    if (!m.empty())
      expected[key] = m;
  }
  return expected;
}


void check_maps(keyed_state_backend& b, const std::map<std::string, mappings>& expected) {
  auto& clicks = b.get_state(clicks_desc);
  size_t in_range = 0;
  for (int i = 0; i < 300; ++i) {
    auto key = "user-" + std::to_string(i);
    if (!b.set_current_key_of(key))
      continue;
    auto it = expected.find(key);
    if (it == expected.end()) {
      BOOST_CHECK_MESSAGE(clicks.is_empty(), key);
      continue;
    }
    ++in_range;
    BOOST_CHECK_MESSAGE(to_map(clicks) == it->second, key);
  }
  BOOST_CHECK_EQUAL(clicks.size(), in_range);
}

template <class F>
void check_mismatch(F f, std::initializer_list<const char*> words) {
  try {
    f();
    BOOST_ERROR("expected ec::state_type_mismatch");
  } catch (const exception& e) {
    BOOST_CHECK(e.code() == ec::state_type_mismatch);
    std::string what = e.what();
    for (const char* word : words)
      BOOST_CHECK_MESSAGE(what.find(word) != std::string::npos, word << " not in: " << what);
  }
}

} // namespace

BOOST_AUTO_TEST_SUITE(map_state_suite)

BOOST_DATA_TEST_CASE(put_get_remove_contains_per_key, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto& s = b.get_state(clicks_desc);
  BOOST_CHECK(s.kind() == state_kind::map);
  select(b, "alice");
  BOOST_CHECK(s.is_empty());
  BOOST_CHECK(s.get("/a") == nullptr);
  BOOST_CHECK(!s.contains("/a"));
  BOOST_CHECK(!s.remove("/a"));
  s.put("/a", 1);
  s.put("/b", 2);
  s.put("/a", 3); // replaces
  BOOST_REQUIRE(s.get("/a") != nullptr);
  BOOST_CHECK_EQUAL(*s.get("/a"), 3);
  BOOST_CHECK(s.contains("/b"));
  BOOST_CHECK_EQUAL(s.count(), 2u);
  BOOST_CHECK_EQUAL(s.size(), 1u);
  *s.get("/b") += 10; // in place
  BOOST_CHECK_EQUAL(*s.get("/b"), 12);
  select(b, "bob");
  BOOST_CHECK(s.is_empty());
  BOOST_CHECK(s.get("/a") == nullptr);
  s.put("/a", 100);
  BOOST_CHECK_EQUAL(s.size(), 2u);
  select(b, "alice");
  BOOST_CHECK((to_map(s) == mappings{{"/a", 3}, {"/b", 12}}));
  BOOST_CHECK(s.remove("/a"));
  BOOST_CHECK(!s.contains("/a"));
  BOOST_CHECK(s.remove("/b")); // the last mapping: the key has no map any more
  BOOST_CHECK(s.is_empty());
  BOOST_CHECK_EQUAL(s.size(), 1u);
  select(b, "bob");
  BOOST_CHECK_EQUAL(*s.get("/a"), 100);
  s.clear();
  BOOST_CHECK(s.is_empty());
  BOOST_CHECK_EQUAL(s.count(), 0u);
  BOOST_CHECK_EQUAL(s.size(), 0u);
  s.clear(); // no-op
}

BOOST_DATA_TEST_CASE(put_all_entries_keys_values, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto& s = b.get_state(map_state_descriptor<int32_t, std::string>{"names"});
  select(b, "k");
  s.put_all(std::map<int32_t, std::string>{}); // no-op, creates nothing
  BOOST_CHECK_EQUAL(s.size(), 0u);
  s.put_all(std::map<int32_t, std::string>{{1, "one"}, {2, "two"}});
  s.put_all(std::vector<std::pair<int32_t, std::string>>{{3, "three"}, {1, "uno"}});
  BOOST_CHECK_EQUAL(s.count(), 3u);
  BOOST_CHECK_EQUAL(*s.get(1), "uno");
  std::set<int32_t> keys;
  for (int32_t k : s.keys())
    keys.insert(k);
  BOOST_CHECK((keys == std::set<int32_t>{1, 2, 3}));
  std::set<std::string> values;
  for (const auto& v : s.values())
    values.insert(v);
  BOOST_CHECK((values == std::set<std::string>{"uno", "two", "three"}));
  std::map<int32_t, std::string> entries;
  for (const auto& [uk, uv] : s.entries())
    entries.emplace(uk, uv);
  BOOST_CHECK((entries == std::map<int32_t, std::string>{{1, "uno"}, {2, "two"}, {3, "three"}}));
  // Copying one key's map into another key.
  auto copy = entries;
  select(b, "other");
  BOOST_CHECK(s.keys().empty());
  BOOST_CHECK(s.values().empty());
  s.put_all(copy);
  BOOST_CHECK_EQUAL(s.count(), 3u);
  BOOST_CHECK_EQUAL(s.size(), 2u);
}

BOOST_DATA_TEST_CASE(same_key_bytes_in_different_key_groups_are_isolated, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{8, {2, 5}, backend_test::options(kind)};
  auto& s = b.get_state(map_state_descriptor<std::string, int>{"s"});
  b.set_current_key("k", 2);
  s.put("x", 2);
  b.set_current_key("k", 5);
  BOOST_CHECK(!s.contains("x"));
  s.put("x", 5);
  s.put("y", 55);
  b.set_current_key("k", 2);
  BOOST_CHECK_EQUAL(*s.get("x"), 2);
  BOOST_CHECK_EQUAL(s.count(), 1u);
  BOOST_CHECK_EQUAL(s.size(), 2u);
  BOOST_CHECK_EQUAL(s.size_in_key_group(2), 1u);
  BOOST_CHECK_EQUAL(s.size_in_key_group(4), 0u);
  BOOST_CHECK_EQUAL(s.size_in_key_group(5), 1u);
  BOOST_CHECK_EQUAL(s.size_in_key_group(7), 0u); // outside the range
  size_t seen = 0;
  s.for_each_in_key_group(5, [&](std::string_view key, const auto& m) {
    BOOST_CHECK_EQUAL(key, "k");
    seen = m.size();
  });
  BOOST_CHECK_EQUAL(seen, 2u);
}

// The seed's MapState example (CountAverageMapState): every value goes into
// the key's map under a fresh id (a UUID there, a counter here); once the
// map has three values, emit their average.
BOOST_DATA_TEST_CASE(seed_example_average_over_values_per_key, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto& s = b.get_state(map_state_descriptor<std::string, double>{"mapStateOperate"});
  std::vector<std::pair<int64_t, double>> input{{1, 3}, {1, 5}, {1, 7},
                                                {2, 4}, {2, 2}, {2, 6}};
  std::vector<std::pair<int64_t, double>> out;
  int next_id = 0;
  for (const auto& [key, value] : input) {
    BOOST_REQUIRE(b.set_current_key_of(key));
    s.put("id-" + std::to_string(next_id++), value);
    std::vector<double> values;
    for (double v : s.values())
      values.push_back(v);
    if (values.size() >= 3) {
      double sum = 0;
      for (double v : values)
        sum += v;
      out.emplace_back(key, sum / static_cast<double>(values.size()));
    }
  }
  BOOST_CHECK((out == std::vector<std::pair<int64_t, double>>{{1, 5.0}, {2, 4.0}}));
}

BOOST_DATA_TEST_CASE(round_trip_same_range, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto expected = fill(b);
  auto snap = b.snapshot();
  BOOST_CHECK_EQUAL(snap->num_entries(), expected.size()); // one entry per key
  auto contents = write_and_load(*snap);
  BOOST_CHECK_EQUAL(contents.keyed.size(), expected.size());
  for (const auto& e : contents.keyed) {
    BOOST_CHECK(e.state.kind == state_kind::map);
    BOOST_CHECK_EQUAL(e.state.type_fingerprint,
                      (map_state<std::string, int64_t>::fingerprint()));
  }
  // A key's entry is its whole map, encoded as a sequence of pairs (which
  // decodes as a std::map too).
  const auto& first = contents.keyed.front();
  auto pairs = decode_value<std::vector<std::pair<std::string, int64_t>>>(first.value, "test");
  auto as_map = decode_value<mappings>(first.value, "test");
  BOOST_CHECK(!pairs.empty());
  BOOST_CHECK_EQUAL(pairs.size(), as_map.size());
  for (const auto& [uk, uv] : pairs)
    BOOST_CHECK_EQUAL(as_map.at(uk), uv);
  auto restored = restore(contents, whole, kind);
  check_maps(restored, expected);
  BOOST_CHECK(restored.unclaimed_restored_states().empty());
  select(restored, "user-1");
  auto& clicks = restored.get_state(clicks_desc);
  clicks.put("page-9", 9);
  BOOST_CHECK((to_map(clicks) == mappings{{"page-0", 10}, {"page-9", 9}}));
}

BOOST_DATA_TEST_CASE(restore_at_smaller_range_keeps_only_its_key_groups, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto expected = fill(b);
  auto contents = write_and_load(*b.snapshot());
  size_t total = 0;
  for (uint32_t i = 0; i < 3; ++i) {
    auto range = key_group_range_for_operator(max_p, 3, i);
    auto restored = restore(contents, range, kind);
    check_maps(restored, expected);
    auto& clicks = restored.get_state(clicks_desc);
    BOOST_CHECK(clicks.size() < expected.size());
    for (uint32_t kg = 0; kg < max_p; ++kg)
      if (!range.contains(kg))
        BOOST_CHECK_EQUAL(clicks.size_in_key_group(kg), 0u);
    total += clicks.size();
  }
  BOOST_CHECK_EQUAL(total, expected.size());
}

BOOST_DATA_TEST_CASE(snapshot_is_a_copy, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto expected = fill(b);
  auto snap = b.snapshot();
  auto& clicks = b.get_state(clicks_desc);
  select(b, "user-1");
  clicks.put("page-0", -1);
  select(b, "user-2");
  clicks.clear();
  select(b, "user-4");
  clicks.put("new", 1);
  auto restored = restore(write_and_load(*snap), whole, kind);
  check_maps(restored, expected);
}

BOOST_DATA_TEST_CASE(map_state_does_not_restore_as_another_kind_or_type, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto expected = fill(b);
  auto contents = write_and_load(*b.snapshot());
  auto restored = restore(contents, whole, kind);
  // Value states of the two types the encoding reads as.
  check_mismatch([&] { restored.get_state(value_state_descriptor<mappings>{"clicks"}); },
                 {"'clicks'", "map state", "value state"});
  check_mismatch(
    [&] {
      restored.get_state(
        value_state_descriptor<std::vector<std::pair<std::string, int64_t>>>{"clicks"});
    },
    {"'clicks'", "map state", "value state"});
  check_mismatch(
    [&] { restored.get_state(list_state_descriptor<std::pair<std::string, int64_t>>{"clicks"}); },
    {"'clicks'", "map state", "list state"});
  check_mismatch(
    [&] { restored.get_state(map_state_descriptor<std::string, int32_t>{"clicks"}); },
    {"'clicks'", "map state"});
  check_mismatch(
    [&] { restored.get_state(map_state_descriptor<int64_t, std::string>{"clicks"}); },
    {"'clicks'", "map state"});
  BOOST_CHECK_EQUAL(restored.num_states(), 0u);
  check_maps(restored, expected);
  // A value state of std::map does not restore into a registered map state.
  keyed_state_backend v{max_p, whole, backend_test::options(kind)};
  select(v, "user-1");
  v.get_state(value_state_descriptor<mappings>{"clicks"}).update({{"a", 1}});
  auto value_contents = write_and_load(*v.snapshot());
  BOOST_REQUIRE_EQUAL(value_contents.keyed.size(), 1u);
  keyed_state_backend early{max_p, whole, backend_test::options(kind)};
  auto& clicks = early.get_state(clicks_desc);
  const auto& e = value_contents.keyed.front();
  check_mismatch([&] { early.restore_entry(e.state, e.key_group, e.key, e.value); },
                 {"'clicks'", "value state", "map state"});
  BOOST_CHECK_EQUAL(clicks.size(), 0u);
}

BOOST_DATA_TEST_CASE(reregistration_with_another_kind_or_type_is_refused, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto& clicks = b.get_state(clicks_desc);
  BOOST_CHECK_EQUAL(&b.get_state(map_state_descriptor<std::string, int64_t>{"clicks"}),
                    &clicks);
  check_mismatch([&] { b.get_state(value_state_descriptor<mappings>{"clicks"}); },
                 {"'clicks'", "map_state<", "value_state<std::map<"});
  check_mismatch([&] { b.get_state(map_state_descriptor<std::string, double>{"clicks"}); },
                 {"'clicks'", "map_state<", "double"});
  check_mismatch(
    [&] { b.get_state(list_state_descriptor<std::pair<std::string, int64_t>>{"clicks"}); },
    {"'clicks'", "map_state<", "list_state<std::pair<"});
  BOOST_CHECK_EQUAL(b.num_states(), 1u);
}

BOOST_AUTO_TEST_SUITE_END()
