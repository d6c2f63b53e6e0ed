// Keyed list state (Flink's ListState) on both backends: add / add_all /
// update / clear per key, the same key bytes in different key groups holding
// separate lists (size_in_key_group, for_each_in_key_group), and the seed's
// "average of the last three" example. Snapshots:
// list_state_snapshot_test.cpp; refusals: list_state_refusal_test.cpp.
#include "snapshot/keyed_state_backend.hpp"

#include <boost/test/unit_test.hpp>

#include "backend_test_util.hpp"
#include "keyed_state_test_util.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using namespace sluice;
using namespace sluice::keyed_state_test;

BOOST_AUTO_TEST_SUITE(list_state_suite)

BOOST_DATA_TEST_CASE(add_add_all_update_clear_per_key, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto& s = b.get_state(list_state_descriptor<std::string>{"pages"});
  BOOST_CHECK_EQUAL(s.name(), "pages");
  BOOST_CHECK(s.kind() == state_kind::list);
  select(b, "alice");
  BOOST_CHECK(s.get().empty());
  BOOST_CHECK(s.is_empty());
  s.add("/a");
  s.add("/b");
  BOOST_CHECK((s.get() == std::vector<std::string>{"/a", "/b"}));
  BOOST_CHECK(!s.is_empty());
  BOOST_CHECK_EQUAL(s.size(), 1u);
  select(b, "bob");
  BOOST_CHECK(s.get().empty());
  s.add_all({"/x", "/y"});
  s.add_all({}); // no-op
  s.add_all({"/z"});
  BOOST_CHECK((s.get() == std::vector<std::string>{"/x", "/y", "/z"}));
  BOOST_CHECK_EQUAL(s.size(), 2u);
  select(b, "carol");
  s.add_all({}); // does not create an entry
  s.update({});
  BOOST_CHECK(s.is_empty());
  BOOST_CHECK_EQUAL(s.size(), 2u);
  s.update({"/1"});
  BOOST_CHECK_EQUAL(s.size(), 3u);
  select(b, "alice");
  BOOST_CHECK((s.get() == std::vector<std::string>{"/a", "/b"}));
  s.update({"/c"});
  BOOST_CHECK((s.get() == std::vector<std::string>{"/c"}));
  s.update({}); // an empty list removes the key
  BOOST_CHECK(s.is_empty());
  BOOST_CHECK_EQUAL(s.size(), 2u);
  select(b, "bob");
  s.clear();
  BOOST_CHECK(s.get().empty());
  s.clear(); // clearing an unset key is a no-op
  BOOST_CHECK_EQUAL(s.size(), 1u);
  select(b, "carol");
  BOOST_CHECK((s.get() == std::vector<std::string>{"/1"}));
}

BOOST_DATA_TEST_CASE(same_key_bytes_in_different_key_groups_are_isolated, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{8, {2, 5}, backend_test::options(kind)};
  auto& s = b.get_state(list_state_descriptor<int>{"s"});
  b.set_current_key("k", 2);
  s.add(2);
  b.set_current_key("k", 5);
  BOOST_CHECK(s.get().empty());
  s.add_all({5, 55});
  b.set_current_key("k", 2);
  BOOST_CHECK((s.get() == std::vector<int>{2}));
  BOOST_CHECK_EQUAL(s.size(), 2u);
  BOOST_CHECK_EQUAL(s.size_in_key_group(2), 1u);
  BOOST_CHECK_EQUAL(s.size_in_key_group(3), 0u);
  BOOST_CHECK_EQUAL(s.size_in_key_group(5), 1u);
  BOOST_CHECK_EQUAL(s.size_in_key_group(6), 0u); // outside the range
  std::vector<int> seen;
  s.for_each_in_key_group(5, [&](std::string_view key, const std::vector<int>& list) {
    BOOST_CHECK_EQUAL(key, "k");
    seen = list;
  });
  BOOST_CHECK((seen == std::vector<int>{5, 55}));
}

BOOST_DATA_TEST_CASE(seed_example_average_of_three_per_key, SLUICE_BACKENDS, kind) {
  keyed_state_backend b{max_p, whole, backend_test::options(kind)};
  auto& elements = b.get_state(list_state_descriptor<std::pair<int64_t, double>>{"listState"});
  std::vector<std::pair<int64_t, double>> input{{1, 3}, {1, 5}, {1, 7},
                                                {2, 4}, {2, 2}, {2, 6}};
  std::vector<std::pair<int64_t, double>> out;
  for (const auto& element : input) {
    BOOST_REQUIRE(b.set_current_key_of(element.first));
    elements.add(element);
    const auto& all = elements.get();
    if (all.size() >= 3) {
      double sum = 0;
      for (const auto& [k, v] : all)
        sum += v;
      out.emplace_back(element.first, sum / static_cast<double>(all.size()));
    }
  }
  BOOST_CHECK((out == std::vector<std::pair<int64_t, double>>{{1, 5.0}, {2, 4.0}}));
}

BOOST_AUTO_TEST_SUITE_END()
