// Keyed map state per key group and in snapshots, on both backends: the
// same key bytes in different key groups hold separate maps
// (size_in_key_group, for_each_in_key_group), and snapshot -> memory state
// file -> fresh backend at the same and at a smaller key group range (one
// entry per key, encoding std::vector<std::pair<UK, UV>>, which decodes as a
// std::map too); a snapshot is a copy, unaffected by later changes.
#include "snapshot/keyed_state_backend.hpp"
#include "snapshot/state_file_reader.hpp"
#include "snapshot/state_file_writer.hpp"

#include <boost/test/unit_test.hpp>

#include "backend_test_util.hpp"
#include "keyed_state_test_util.hpp"
#include "map_state_test_util.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using namespace sluice;
using namespace sluice::keyed_state_test;
using namespace sluice::map_state_test;

namespace {

using backend_test::restore;
using backend_test::write_and_load;

} // namespace

BOOST_AUTO_TEST_SUITE(map_state_suite)

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
  check_restore_in_three_ranges(
    expected.size(), [&](key_group_range range) { return restore(contents, range, kind); },
    [&](keyed_state_backend& restored) { check_maps(restored, expected); },
    [&](keyed_state_backend& restored) -> auto& { return restored.get_state(clicks_desc); });
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

BOOST_AUTO_TEST_SUITE_END()
