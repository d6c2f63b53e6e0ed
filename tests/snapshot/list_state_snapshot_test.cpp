// Keyed list state in snapshots, on both backends: snapshot -> memory state
// file -> fresh backend at the same and at a smaller key group range (one
// entry per key, encoding std::vector<T>); a snapshot is a copy, unaffected
// by later changes; and a restored list state never restores as a value
// state of std::vector<T>, a list of another element type or a map, nor a
// value state of std::vector<T> into a registered list state
// (ec::state_type_mismatch).
#include "snapshot/keyed_state_backend.hpp"
#include "snapshot/state_file_reader.hpp"
#include "snapshot/state_file_writer.hpp"

#include <boost/test/unit_test.hpp>

#include "backend_test_util.hpp"
#include "keyed_state_test_util.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

using namespace sluice;
using namespace sluice::keyed_state_test;

namespace {

using backend_test::restore;
using backend_test::write_and_load;

const list_state_descriptor<int64_t> events_desc{"events"};

std::vector<int64_t> list_of(int i) { // 0..4 elements, empty for i % 5 == 0
  std::vector<int64_t> result;
  for (int j = 0; j < i % 5; ++j)
    result.push_back(i * 100 + j);
  return result;
}

/// 300 keys, key i holding list_of(i), built with add, add_all and update.
std::map<std::string, std::vector<int64_t>> fill(keyed_state_backend& b) {
  std::map<std::string, std::vector<int64_t>> expected;
  auto& events = b.get_state(events_desc);
  for (int i = 0; i < 300; ++i) {
    auto key = "user-" + std::to_string(i);
    select(b, key);
    auto list = list_of(i);
    if (i % 3 == 0) {
      for (auto x : list)
        events.add(x);
    } else if (i % 3 == 1) {
      events.add_all(list);
    } else {
      events.add(-1);
      events.update(list);
    }
    if (!list.empty())
      expected[key] = list;
  }
  return expected;
}

/// Checks every key of `expected` in b's range, and that no other key has a
/// list.
void check_lists(keyed_state_backend& b,
                 const std::map<std::string, std::vector<int64_t>>& expected) {
  auto& events = b.get_state(events_desc);
  size_t in_range = 0;
  for (int i = 0; i < 300; ++i) {
    auto key = "user-" + std::to_string(i);
    if (!b.set_current_key_of(key))
      continue;
    auto it = expected.find(key);
    if (it == expected.end()) {
      BOOST_CHECK_MESSAGE(events.get().empty(), key);
      continue;
    }
    ++in_range;
    BOOST_CHECK_MESSAGE(events.get() == it->second, key);
  }
  BOOST_CHECK_EQUAL(events.size(), in_range);
}

} // namespace

BOOST_AUTO_TEST_SUITE(list_state_suite)

BOOST_DATA_TEST_CASE(round_trip_same_range, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto expected = fill(b);
  auto snap = b.snapshot();
  BOOST_CHECK_EQUAL(snap->num_entries(), expected.size()); // one entry per key
  auto contents = write_and_load(*snap);
  BOOST_CHECK_EQUAL(contents.keyed.size(), expected.size());
  for (const auto& e : contents.keyed) {
    BOOST_CHECK(e.state.kind == state_kind::list);
    BOOST_CHECK_EQUAL(e.state.type_fingerprint, list_state<int64_t>::fingerprint());
  }
  // The entry of a key is its whole list, encoded as std::vector<T>.
  const auto& first = contents.keyed.front();
  auto decoded = decode_value<std::vector<int64_t>>(first.value, "test");
  BOOST_CHECK(!decoded.empty());
  BOOST_CHECK_EQUAL(decoded.front() % 100, 0);
  auto restored = restore(contents, whole, kind);
  check_lists(restored, expected);
  BOOST_CHECK(restored.unclaimed_restored_states().empty());
  // Restored lists keep working.
  select(restored, "user-1");
  restored.get_state(events_desc).add(7);
  BOOST_CHECK((restored.get_state(events_desc).get() == std::vector<int64_t>{100, 7}));
}

BOOST_DATA_TEST_CASE(restore_at_smaller_range_keeps_only_its_key_groups, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto expected = fill(b);
  auto contents = write_and_load(*b.snapshot());
  check_restore_in_three_ranges(
    expected.size(), [&](key_group_range range) { return restore(contents, range, kind); },
    [&](keyed_state_backend& restored) { check_lists(restored, expected); },
    [&](keyed_state_backend& restored) -> auto& { return restored.get_state(events_desc); });
}

BOOST_DATA_TEST_CASE(snapshot_is_a_copy, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto expected = fill(b);
  auto snap = b.snapshot();
  auto& events = b.get_state(events_desc);
  select(b, "user-1");
  events.add(42);
  select(b, "user-2");
  events.clear();
  select(b, "user-5");
  events.add(1);
  check_lists(b, [&] {
    auto changed = expected;
    changed["user-1"].push_back(42);
    changed.erase("user-2");
    changed["user-5"] = {1};
    return changed;
  }());
  auto restored = restore(write_and_load(*snap), whole, kind);
  check_lists(restored, expected);
}

BOOST_DATA_TEST_CASE(list_state_does_not_restore_as_a_value_of_vector, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto expected = fill(b);
  auto contents = write_and_load(*b.snapshot());
  auto restored = restore(contents, whole, kind);
  check_mismatch(
    [&] { restored.get_state(value_state_descriptor<std::vector<int64_t>>{"events"}); },
    {"'events'", "list state", "value state"});
  check_mismatch([&] { restored.get_state(list_state_descriptor<int32_t>{"events"}); },
                 {"'events'", "list_state<int>"});
  check_mismatch(
    [&] { restored.get_state(map_state_descriptor<int64_t, int64_t>{"events"}); },
    {"'events'", "list state", "map state"});
  // Nothing was registered; the right type still takes the entries.
  BOOST_CHECK_EQUAL(restored.num_states(), 0u);
  BOOST_CHECK(restored.unclaimed_restored_states() == std::vector<std::string>{"events"});
  check_lists(restored, expected);
  // The other way round: a value state of std::vector does not restore as a
  // list, also when the list state is registered before the entries arrive.
  keyed_state_backend v{max_p, whole, backend_test::options(kind)};
  select(v, "user-1");
  v.get_state(value_state_descriptor<std::vector<int64_t>>{"events"}).update({1, 2});
  auto value_contents = write_and_load(*v.snapshot());
  BOOST_REQUIRE_EQUAL(value_contents.keyed.size(), 1u);
  BOOST_CHECK(value_contents.keyed.front().state.kind == state_kind::value);
  keyed_state_backend early{max_p, whole, backend_test::options(kind)};
  auto& events = early.get_state(events_desc);
  const auto& e = value_contents.keyed.front();
  check_mismatch([&] { early.restore_entry(e.state, e.key_group, e.key, e.value); },
                 {"'events'", "value state", "list state"});
  BOOST_CHECK_EQUAL(events.size(), 0u);
}

BOOST_AUTO_TEST_SUITE_END()
