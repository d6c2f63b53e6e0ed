// Refusals of keyed list state: re-registering a list state as a value
// state of std::vector<T> or a list of another element type, or a value
// state as a list, is refused (ec::state_type_mismatch, both backends); a
// list of elements without inspect() works in memory but its snapshot fails
// (ec::not_serializable, in-memory backend only).
#include "snapshot/keyed_state_backend.hpp"

#include <boost/test/unit_test.hpp>

#include "backend_test_util.hpp"
#include "keyed_state_test_util.hpp"

#include <cstdint>
#include <string>
#include <vector>

using namespace sluice;
using namespace sluice::keyed_state_test;

namespace {

const list_state_descriptor<int64_t> events_desc{"events"};

} // namespace

BOOST_AUTO_TEST_SUITE(list_state_suite)

BOOST_DATA_TEST_CASE(reregistration_with_another_kind_or_type_is_refused, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto& events = b.get_state(events_desc);
  BOOST_CHECK_EQUAL(&b.get_state(list_state_descriptor<int64_t>{"events"}), &events);
  check_mismatch(
    [&] { b.get_state(value_state_descriptor<std::vector<int64_t>>{"events"}); },
    {"'events'", "list_state<long>", "value_state<std::vector<long"});
  check_mismatch([&] { b.get_state(list_state_descriptor<double>{"events"}); },
                 {"'events'", "list_state<long>", "list_state<double>"});
  b.get_state(value_state_descriptor<int64_t>{"count"});
  check_mismatch([&] { b.get_state(list_state_descriptor<int64_t>{"count"}); },
                 {"'count'", "value_state<long>", "list_state<long>"});
  BOOST_CHECK_EQUAL(b.num_states(), 2u);
}

BOOST_AUTO_TEST_CASE(unserializable_elements_refuse_snapshot) {
  constexpr auto kind = state_backend_kind::hashmap;
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto& s = b.get_state(list_state_descriptor<opaque>{"opaque"}); // fine in memory
  select(b, "k");
  s.add(opaque{1});
  BOOST_CHECK_EQUAL(s.get().front().x, 1);
  BOOST_CHECK_EXCEPTION(b.snapshot(), exception, [](const exception& x) {
    return x.code() == ec::not_serializable
           && std::string{x.what()}.find("'opaque'") != std::string::npos;
  });
}

BOOST_AUTO_TEST_SUITE_END()
