// Keyed reducing and aggregating state (Flink's ReducingState and
// AggregatingState) on the in-memory backend: add / get / clear per key and
// per key group, the seeds' examples (running sum per key with a
// ReduceFunction; "Contains-3.0-5.0-7.0" string aggregation; an average
// with a (count, sum) accumulator), snapshot -> memory state file -> fresh
// backend (same and smaller key group range; kind value, the encoded T or
// ACC), and the refusals: neither restores as, or re-registers as, a value
// state of T/ACC or as the other kind (ec::state_type_mismatch).
#include "snapshot/keyed_state_backend.hpp"
#include "snapshot/state_file_reader.hpp"
#include "snapshot/state_file_writer.hpp"

#include <boost/test/unit_test.hpp>

#include "backend_test_util.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

using namespace sluice;

namespace {

using backend_test::write_and_load;
using backend_test::restore;

constexpr uint32_t max_p = 128;
const key_group_range whole{0, max_p - 1};

/// No inspect(): usable in memory, not snapshottable.
struct opaque {
  int x = 0;
};

void select(keyed_state_backend& b, const std::string& key) {
  BOOST_REQUIRE(b.set_current_key_of(key));
}

const reducing_state_descriptor<int64_t> sum_desc{"sum", [](const int64_t& a, const int64_t& b) {
                                                    return a + b;
                                                  }};

/// Flink's AggregateFunction as an object: an average over (count, sum).
struct average {
  using acc = std::pair<int64_t, double>;
  acc create() const {
    return {0, 0.0};
  }
  acc add(const double& in, acc a) const {
    return {a.first + 1, a.second + in};
  }
  double result(const acc& a) const {
    return a.first == 0 ? 0.0 : a.second / static_cast<double>(a.first);
  }
  acc merge(acc a, acc b) const {
    return {a.first + b.first, a.second + b.second};
  }
};

const aggregating_state_descriptor<double, std::pair<int64_t, double>, double> avg_desc{
  "avg", average{}};

/// Doubles the way the seed's Scala prints them ("3.0").
std::string scala_double(double x) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", x);
  return buf;
}

/// The seed's AggregatingState example: "Contains" followed by "-<value>"
/// per input.
aggregating_state_descriptor<double, std::string, std::string> contains_desc() {
  aggregate_function<double, std::string, std::string> fn;
  fn.create = [] { return std::string{"Contains"}; };
  fn.add = [](const double& value, std::string acc) {
    return std::move(acc) + "-" + scala_double(value);
  };
  fn.result = [](const std::string& acc) { return acc; };
  fn.merge = [](std::string a, std::string b) { return std::move(a) + "-" + b; };
  return {"aggregateState", std::move(fn)};
}

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

BOOST_AUTO_TEST_SUITE(reducing_aggregating_state_suite)

// The seed's ReducingState example (ReduceFunction value1 + value2): the
// running sum per key.
BOOST_DATA_TEST_CASE(reducing_running_sum_per_key, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto& s = b.get_state(
    reducing_state_descriptor<double>{"reduceSum", [](const double& a, const double& c) {
                                        return a + c;
                                      }});
  BOOST_CHECK(s.kind() == state_kind::value);
  std::vector<std::pair<int64_t, double>> input{{1, 3}, {1, 5}, {1, 7},
                                                {2, 4}, {2, 2}, {2, 6}};
  std::vector<std::pair<int64_t, double>> out;
  for (const auto& [key, value] : input) {
    BOOST_REQUIRE(b.set_current_key_of(key));
    if (key == 1 && value == 3)
      BOOST_CHECK(!s.get().has_value());
    s.add(value);
    out.emplace_back(key, s.get().value());
  }
  BOOST_CHECK((out == std::vector<std::pair<int64_t, double>>{{1, 3}, {1, 8}, {1, 15},
                                                              {2, 4}, {2, 6}, {2, 12}}));
  BOOST_CHECK_EQUAL(s.size(), 2u);
  BOOST_REQUIRE(b.set_current_key_of(int64_t{1}));
  s.clear();
  BOOST_CHECK(!s.get().has_value());
  s.clear(); // no-op
  BOOST_CHECK_EQUAL(s.size(), 1u);
  s.add(1); // starts over
  BOOST_CHECK_EQUAL(s.get().value(), 1.0);
  BOOST_REQUIRE(b.set_current_key_of(int64_t{2}));
  BOOST_CHECK_EQUAL(s.get().value(), 12.0);
}

BOOST_DATA_TEST_CASE(reducing_keeps_the_first_reduce_function_and_isolates_key_groups, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{8, {2, 5}, backend_test::options(kind)};
  auto max = [](const std::string& a, const std::string& c) { return std::max(a, c); };
  auto& s = b.get_state(reducing_state_descriptor<std::string>{"max", max});
  // A later descriptor of the same name and type returns the same state;
  // its function is ignored (as in Flink).
  auto& again = b.get_state(reducing_state_descriptor<std::string>{
    "max", [](const std::string& a, const std::string&) { return a; }});
  BOOST_CHECK_EQUAL(&s, &again);
  b.set_current_key("k", 2);
  s.add("b");
  s.add("a");
  s.add("c");
  b.set_current_key("k", 5);
  BOOST_CHECK(!s.get().has_value());
  s.add("z");
  b.set_current_key("k", 2);
  BOOST_CHECK_EQUAL(s.get().value(), "c");
  BOOST_CHECK_EQUAL(s.size(), 2u);
  BOOST_CHECK_EQUAL(s.size_in_key_group(2), 1u);
  BOOST_CHECK_EQUAL(s.size_in_key_group(3), 0u);
  BOOST_CHECK_EQUAL(s.size_in_key_group(5), 1u);
  BOOST_CHECK_EQUAL(s.size_in_key_group(6), 0u);
  // A throwing reduce function leaves the value unchanged.
  auto& strict = b.get_state(reducing_state_descriptor<int>{
    "strict", [](const int& a, const int& c) {
      if (c < 0)
        throw std::runtime_error("negative");
      return a + c;
    }});
  strict.add(1);
  BOOST_CHECK_THROW(strict.add(-1), std::runtime_error);
  BOOST_CHECK_EQUAL(strict.get().value(), 1);
}

// The seed's AggregatingState example (AggregrageState): per key,
// "Contains" followed by every value added.
BOOST_DATA_TEST_CASE(aggregating_contains_string_per_key, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto& s = b.get_state(contains_desc());
  BOOST_CHECK(s.kind() == state_kind::value);
  std::vector<std::pair<int64_t, double>> input{{1, 3}, {1, 5}, {1, 7},
                                                {2, 4}, {2, 2}, {2, 6}};
  std::vector<std::pair<int64_t, std::string>> out;
  for (const auto& [key, value] : input) {
    BOOST_REQUIRE(b.set_current_key_of(key));
    s.add(value);
    out.emplace_back(key, s.get().value());
  }
  std::vector<std::pair<int64_t, std::string>> expected{
    {1, "Contains-3.0"},     {1, "Contains-3.0-5.0"}, {1, "Contains-3.0-5.0-7.0"},
    {2, "Contains-4.0"},     {2, "Contains-4.0-2.0"}, {2, "Contains-4.0-2.0-6.0"}};
  BOOST_CHECK_EQUAL(out.size(), expected.size());
  for (size_t i = 0; i < std::min(out.size(), expected.size()); ++i) {
    BOOST_CHECK_EQUAL(out[i].first, expected[i].first);
    BOOST_CHECK_EQUAL(out[i].second, expected[i].second);
  }
  BOOST_REQUIRE(b.set_current_key_of(int64_t{1}));
  s.clear();
  BOOST_CHECK(!s.get().has_value());
  s.add(9);
  BOOST_CHECK_EQUAL(s.get().value(), "Contains-9.0");
  BOOST_REQUIRE(b.set_current_key_of(int64_t{2}));
  BOOST_CHECK_EQUAL(s.get().value(), "Contains-4.0-2.0-6.0");
}

BOOST_DATA_TEST_CASE(aggregating_average_with_count_sum_accumulator, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{8, {0, 7}, backend_test::options(kind)};
  auto& s = b.get_state(avg_desc);
  b.set_current_key("a", 1);
  BOOST_CHECK(!s.get().has_value());
  BOOST_CHECK(s.accumulator() == nullptr);
  for (double x : {3.0, 5.0, 7.0, 4.0, 2.0})
    s.add(x);
  BOOST_CHECK_CLOSE(s.get().value(), 4.2, 1e-9);
  BOOST_CHECK((*s.accumulator() == std::pair<int64_t, double>{5, 21.0}));
  b.set_current_key("a", 6); // same key bytes, another key group
  BOOST_CHECK(!s.get().has_value());
  s.add(10);
  BOOST_CHECK_CLOSE(s.get().value(), 10.0, 1e-9);
  b.set_current_key("b", 1);
  s.add(1);
  s.add(2);
  BOOST_CHECK_CLOSE(s.get().value(), 1.5, 1e-9);
  BOOST_CHECK_EQUAL(s.size(), 3u);
  BOOST_CHECK_EQUAL(s.size_in_key_group(1), 2u);
  BOOST_CHECK_EQUAL(s.size_in_key_group(6), 1u);
  b.set_current_key("a", 1);
  BOOST_CHECK_CLOSE(s.get().value(), 4.2, 1e-9);
  s.clear();
  BOOST_CHECK(!s.get().has_value());
  BOOST_CHECK_EQUAL(s.size(), 2u);
  // The object's merge made it into the descriptor's function.
  auto merged = avg_desc.fn.merge({2, 3.0}, {3, 12.0});
  BOOST_CHECK((merged == std::pair<int64_t, double>{5, 15.0}));
  BOOST_CHECK_CLOSE(avg_desc.fn.result(merged), 3.0, 1e-9);
}

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
  size_t total = 0;
  for (uint32_t i = 0; i < 3; ++i) {
    auto range = key_group_range_for_operator(max_p, 3, i);
    auto restored = restore(contents, range, kind);
    check(restored, expected);
    auto& sum = restored.get_state(sum_desc);
    BOOST_CHECK(sum.size() < expected.size());
    for (uint32_t kg = 0; kg < max_p; ++kg)
      if (!range.contains(kg))
        BOOST_CHECK_EQUAL(sum.size_in_key_group(kg), 0u);
    total += sum.size();
  }
  BOOST_CHECK_EQUAL(total, expected.size());
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

BOOST_DATA_TEST_CASE(reregistration_with_another_kind_or_type_is_refused, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  b.get_state(sum_desc);
  b.get_state(avg_desc);
  check_mismatch([&] { b.get_state(value_state_descriptor<int64_t>{"sum"}); },
                 {"'sum'", "reducing_state<long>", "value_state<long>"});
  check_mismatch([&] { b.get_state(list_state_descriptor<int64_t>{"sum"}); },
                 {"'sum'", "reducing_state<long>", "list_state<long>"});
  check_mismatch(
    [&] { b.get_state(value_state_descriptor<std::pair<int64_t, double>>{"avg"}); },
    {"'avg'", "aggregating_state<double, std::pair<long, double>, double>",
     "value_state<std::pair<long, double> >"});
  // Another OUT is another state type too.
  check_mismatch(
    [&] {
      aggregate_function<double, std::pair<int64_t, double>, int64_t> fn;
      fn.create = [] { return std::pair<int64_t, double>{}; };
      fn.add = [](const double& x, std::pair<int64_t, double> a) {
        return std::pair<int64_t, double>{a.first + 1, a.second + x};
      };
      fn.result = [](const std::pair<int64_t, double>& a) { return a.first; };
      b.get_state(aggregating_state_descriptor<double, std::pair<int64_t, double>, int64_t>{
        "avg", fn});
    },
    {"'avg'", "aggregating_state<double, std::pair<long, double>, long>"});
  BOOST_CHECK_EQUAL(b.num_states(), 2u);
}

// In memory only: the lmdb backend refuses such a state at registration
// (lmdb_refuses_unserializable_state_at_registration).
BOOST_AUTO_TEST_CASE(unserializable_values_refuse_snapshot) {
  constexpr auto kind = state_backend_kind::hashmap;
  keyed_state_backend r{max_p, whole, backend_test::options(kind)};
  auto& red = r.get_state(reducing_state_descriptor<opaque>{
    "opaque_sum", [](const opaque& a, const opaque& c) { return opaque{a.x + c.x}; }});
  select(r, "k");
  red.add({1});
  red.add({2});
  BOOST_CHECK_EQUAL(red.get()->x, 3);
  BOOST_CHECK_EXCEPTION(r.snapshot(), exception, [](const exception& x) {
    return x.code() == ec::not_serializable
           && std::string{x.what()}.find("'opaque_sum'") != std::string::npos;
  });
  keyed_state_backend a{max_p, whole, backend_test::options(kind)};
  aggregate_function<int, opaque, int> fn;
  fn.create = [] { return opaque{}; };
  fn.add = [](const int& in, opaque acc) { return opaque{acc.x + in}; };
  fn.result = [](const opaque& acc) { return acc.x; };
  auto& agg = a.get_state(aggregating_state_descriptor<int, opaque, int>{"opaque_acc", fn});
  select(a, "k");
  agg.add(4);
  BOOST_CHECK_EQUAL(agg.get().value(), 4);
  BOOST_CHECK_EXCEPTION(a.snapshot(), exception, [](const exception& x) {
    return x.code() == ec::not_serializable
           && std::string{x.what()}.find("'opaque_acc'") != std::string::npos;
  });
}

BOOST_AUTO_TEST_SUITE_END()
