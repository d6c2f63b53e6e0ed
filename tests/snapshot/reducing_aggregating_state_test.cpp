// Keyed reducing and aggregating state (Flink's ReducingState and
// AggregatingState) on both backends: add / get / clear per key and per key
// group, the seeds' examples (running sum per key with a ReduceFunction;
// "Contains-3.0-5.0-7.0" string aggregation), an average with a (count,
// sum) accumulator, the first registration's reduce function winning, and a
// throwing reduce function leaving the value unchanged. Snapshots:
// reducing_aggregating_state_snapshot_test.cpp; refusals:
// reducing_aggregating_state_refusal_test.cpp.
#include "snapshot/keyed_state_backend.hpp"

#include <boost/test/unit_test.hpp>

#include "backend_test_util.hpp"
#include "keyed_state_test_util.hpp"
#include "reducing_aggregating_test_util.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using namespace sluice;
using namespace sluice::keyed_state_test;
using namespace sluice::reducing_aggregating_test;

namespace {

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

} // namespace

BOOST_AUTO_TEST_SUITE(reducing_aggregating_state_suite)

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

BOOST_AUTO_TEST_SUITE_END()
