// Keyed map state (Flink's MapState) on both backends: put / get / remove /
// contains / put_all / entries / keys / values / clear per key, the seed's
// "average over the map's values" example, and the refusal to re-register a
// map state as a value state of std::map, a map of other types or a list of
// pairs (ec::state_type_mismatch). Key groups and snapshots:
// map_state_snapshot_test.cpp; refused restores:
// map_state_restore_refusal_test.cpp.
#include "snapshot/keyed_state_backend.hpp"

#include <boost/test/unit_test.hpp>

#include "backend_test_util.hpp"
#include "keyed_state_test_util.hpp"
#include "map_state_test_util.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

using namespace sluice;
using namespace sluice::keyed_state_test;
using namespace sluice::map_state_test;

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
