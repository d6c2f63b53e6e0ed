// Keyed reducing and aggregating state in snapshots, on both backends:
// snapshot -> memory state file -> fresh backend at the same and at a
// smaller key group range (kind value, the entry encoding T or ACC); a
// snapshot is a copy, unaffected by later changes; and restored entries
// never restore as a value state of T/ACC, as the other kind or with another
// type, nor a value state's entries into a registered reducing state
// (ec::state_type_mismatch).
#include "snapshot/keyed_state_backend.hpp"
#include "snapshot/state_file_reader.hpp"
#include "snapshot/state_file_writer.hpp"

#include <boost/test/unit_test.hpp>

#include "backend_test_util.hpp"
#include "keyed_state_test_util.hpp"
#include "reducing_aggregating_test_util.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <utility>

using namespace sluice;
using namespace sluice::keyed_state_test;
using namespace sluice::reducing_aggregating_test;

namespace {

using backend_test::restore;
using backend_test::write_and_load;

/// 300 keys; key i gets i % 4 values: sum adds i, i+1, ...; avg adds the
/// same as doubles. Returns (sum, (count, total)) per key with values.
std::map<std::string, std::pair<int64_t, std::pair<int64_t, double>>>
fill(keyed_state_backend& b) {
  std::map<std::string, std::pair<int64_t, std::pair<int64_t, double>>> expected;
  auto& sum = b.get_state(sum_desc);
  auto& avg = b.get_state(avg_desc);
  for (int i = 0; i < 300; ++i) {
    auto key = "user-" + std::to_string(i);
    select(b, key);
    int64_t s = 0;
    double total = 0;
    for (int j = 0; j < i % 4; ++j) {
      sum.add(i + j);
      avg.add(i + j);
      s += i + j;
      total += i + j;
    }
    if (i % 4 != 0)
      expected[key] = {s, {i % 4, total}};
  }
  return expected;
}

/// Checks both states of every key of `expected` in b's range, and that no
/// other key has a value.
void check(keyed_state_backend& b,
           const std::map<std::string, std::pair<int64_t, std::pair<int64_t, double>>>&
             expected) {
  auto& sum = b.get_state(sum_desc);
  auto& avg = b.get_state(avg_desc);
  size_t in_range = 0;
  for (int i = 0; i < 300; ++i) {
    auto key = "user-" + std::to_string(i);
    if (!b.set_current_key_of(key))
      continue;
    auto it = expected.find(key);
    if (it == expected.end()) {
      BOOST_CHECK_MESSAGE(!sum.get() && !avg.get() && avg.accumulator() == nullptr, key);
      continue;
    }
    ++in_range;
    BOOST_CHECK_MESSAGE(sum.get() == it->second.first, key);
    BOOST_REQUIRE(avg.accumulator() != nullptr);
    BOOST_CHECK_MESSAGE(*avg.accumulator() == it->second.second, key);
    BOOST_CHECK_CLOSE(avg.get().value(),
                      it->second.second.second / static_cast<double>(it->second.second.first),
                      1e-9);
  }
  BOOST_CHECK_EQUAL(sum.size(), in_range);
  BOOST_CHECK_EQUAL(avg.size(), in_range);
}

} // namespace

BOOST_AUTO_TEST_SUITE(reducing_aggregating_state_suite)

BOOST_DATA_TEST_CASE(round_trip_same_range, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto expected = fill(b);
  auto snap = b.snapshot();
  BOOST_CHECK_EQUAL(snap->num_states(), 2u);
  BOOST_CHECK_EQUAL(snap->num_entries(), 2 * expected.size());
  auto contents = write_and_load(*snap);
  BOOST_CHECK_EQUAL(contents.keyed.size(), 2 * expected.size());
  bool saw_sum = false;
  bool saw_avg = false;
  for (const auto& e : contents.keyed) {
    BOOST_CHECK(e.state.kind == state_kind::value);
    if (e.state.name == "sum") {
      BOOST_CHECK_EQUAL(e.state.type_fingerprint, reducing_state<int64_t>::fingerprint());
      if (!saw_sum) // the entry is the encoded T
        BOOST_CHECK(decode_value<int64_t>(e.value, "test") > 0);
      saw_sum = true;
    } else {
      BOOST_CHECK_EQUAL(e.state.name, "avg");
      BOOST_CHECK_EQUAL(e.state.type_fingerprint,
                        (aggregating_state<double, std::pair<int64_t, double>,
                                           double>::fingerprint()));
      if (!saw_avg) // the entry is the encoded ACC
        BOOST_CHECK((decode_value<std::pair<int64_t, double>>(e.value, "test").first > 0));
      saw_avg = true;
    }
  }
  BOOST_CHECK(saw_sum && saw_avg);
  BOOST_CHECK(reducing_state<int64_t>::fingerprint() != type_fingerprint<int64_t>());
  auto restored = restore(contents, whole, kind);
  check(restored, expected);
  BOOST_CHECK(restored.unclaimed_restored_states().empty());
  // Restored values keep aggregating.
  select(restored, "user-1");
  restored.get_state(sum_desc).add(100);
  BOOST_CHECK_EQUAL(restored.get_state(sum_desc).get().value(), 101);
}

BOOST_DATA_TEST_CASE(restore_at_smaller_range_keeps_only_its_key_groups, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto expected = fill(b);
  auto contents = write_and_load(*b.snapshot());
  check_restore_in_three_ranges(
    expected.size(), [&](key_group_range range) { return restore(contents, range, kind); },
    [&](keyed_state_backend& restored) { check(restored, expected); },
    [&](keyed_state_backend& restored) -> auto& { return restored.get_state(sum_desc); });
}

BOOST_DATA_TEST_CASE(snapshot_is_a_copy, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto expected = fill(b);
  auto snap = b.snapshot();
  select(b, "user-1");
  b.get_state(sum_desc).add(1000);
  b.get_state(avg_desc).add(1000);
  select(b, "user-2");
  b.get_state(sum_desc).clear();
  b.get_state(avg_desc).clear();
  auto restored = restore(write_and_load(*snap), whole, kind);
  check(restored, expected);
}

BOOST_DATA_TEST_CASE(restore_refuses_another_kind_or_type, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto expected = fill(b);
  auto contents = write_and_load(*b.snapshot());
  auto restored = restore(contents, whole, kind);
  // Same kind on disk (value) and same stored type, but another state kind.
  check_mismatch([&] { restored.get_state(value_state_descriptor<int64_t>{"sum"}); },
                 {"'sum'", "value_state<long>"});
  check_mismatch(
    [&] {
      restored.get_state(aggregating_state_descriptor<int64_t, int64_t, int64_t>{
        "sum", aggregate_function<int64_t, int64_t, int64_t>{
                 [] { return int64_t{0}; },
                 [](const int64_t& in, int64_t acc) { return acc + in; },
                 [](const int64_t& acc) { return acc; }, {}}});
    },
    {"'sum'", "aggregating_state<long, long, long>"});
  check_mismatch(
    [&] {
      restored.get_state(value_state_descriptor<std::pair<int64_t, double>>{"avg"});
    },
    {"'avg'", "value_state<std::pair<long, double> >"});
  check_mismatch(
    [&] {
      restored.get_state(reducing_state_descriptor<std::pair<int64_t, double>>{
        "avg", [](const std::pair<int64_t, double>& a, const std::pair<int64_t, double>&) {
          return a;
        }});
    },
    {"'avg'", "reducing_state<"});
  check_mismatch([&] { restored.get_state(reducing_state_descriptor<int32_t>{
                         "sum", [](const int32_t& a, const int32_t& c) { return a + c; }}); },
                 {"'sum'", "reducing_state<int>"});
  BOOST_CHECK_EQUAL(restored.num_states(), 0u);
  check(restored, expected);
  // A value state's entries do not restore into a registered reducing state.
  keyed_state_backend v{max_p, whole, backend_test::options(kind)};
  select(v, "user-1");
  v.get_state(value_state_descriptor<int64_t>{"sum"}).update(5);
  auto value_contents = write_and_load(*v.snapshot());
  BOOST_REQUIRE_EQUAL(value_contents.keyed.size(), 1u);
  keyed_state_backend early{max_p, whole, backend_test::options(kind)};
  auto& sum = early.get_state(sum_desc);
  const auto& e = value_contents.keyed.front();
  check_mismatch([&] { early.restore_entry(e.state, e.key_group, e.key, e.value); },
                 {"'sum'", "reducing_state<long>"});
  BOOST_CHECK_EQUAL(sum.size(), 0u);
}

BOOST_AUTO_TEST_SUITE_END()
