// Refused restores of keyed map state, on both backends: restored map state
// entries (snapshot -> memory state file -> fresh backend) never restore as
// a value state of their encoding (std::map or a vector of pairs), a list of
// pairs or a map of other types, and wait for the right descriptor; a value
// state of std::map never restores into a registered map state
// (ec::state_type_mismatch).
#include "snapshot/keyed_state_backend.hpp"
#include "snapshot/state_file_reader.hpp"
#include "snapshot/state_file_writer.hpp"

#include <boost/test/unit_test.hpp>

#include "backend_test_util.hpp"
#include "keyed_state_test_util.hpp"
#include "map_state_test_util.hpp"

#include <cstdint>
#include <string>
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

BOOST_AUTO_TEST_SUITE_END()
