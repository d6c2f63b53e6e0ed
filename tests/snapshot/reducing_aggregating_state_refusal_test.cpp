// Refusals of keyed reducing and aggregating state: re-registering one as a
// value state of T/ACC, a list, or an aggregating state with another OUT is
// refused (ec::state_type_mismatch, both backends); values or accumulators
// without inspect() work in memory but their snapshot fails
// (ec::not_serializable, in-memory backend only).
#include "snapshot/keyed_state_backend.hpp"

#include <boost/test/unit_test.hpp>

#include "backend_test_util.hpp"
#include "keyed_state_test_util.hpp"
#include "reducing_aggregating_test_util.hpp"

#include <cstdint>
#include <string>
#include <utility>

using namespace sluice;
using namespace sluice::keyed_state_test;
using namespace sluice::reducing_aggregating_test;

BOOST_AUTO_TEST_SUITE(reducing_aggregating_state_suite)

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
