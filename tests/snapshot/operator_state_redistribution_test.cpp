// Operator list state redistribution (Flink's
// RoundRobinOperatorStateRepartitioner): even split keeps every item exactly
// once, in contiguous runs, part sizes within 1, assignment kept at the same
// parallelism, Flink's rotating start over several even_split states; union
// gives all items to everyone; broadcast gives one copy each (old i % p_old);
// empty states; refusals; a deterministic property test over 1..8 -> 1..8.
#include "snapshot/operator_state_redistribution.hpp"

#include "snapshot/error.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

using namespace sluice;

namespace operator_state_redistribution_test {

namespace {

using strings = std::vector<std::string>;

/// Old subtask i holds `counts[i]` items of `state`, bytes "<state>/<i>/<j>".
void add(subtask_list_items& old, const std::string& state, const std::vector<int>& counts) {
  old.resize(std::max(old.size(), counts.size()));
  for (size_t i = 0; i < counts.size(); ++i)
    for (int j = 0; j < counts[i]; ++j)
      old[i].push_back({state, state + "/" + std::to_string(i) + "/" + std::to_string(j)});
}

/// The items of `state` in `items`, in order.
strings of(const std::vector<operator_list_item>& items, const std::string& state) {
  strings result;
  for (auto& x : items)
    if (x.state == state)
      result.push_back(x.item);
  return result;
}

strings concat_of(const subtask_list_items& subtasks, const std::string& state) {
  strings result;
  for (auto& items : subtasks)
    for (auto& x : of(items, state))
      result.push_back(x);
  return result;
}

void check_invalid(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    BOOST_FAIL("no exception, expected one mentioning " + needle);
  } catch (const exception& e) {
    BOOST_CHECK(e.code() == ec::invalid_argument);
    BOOST_CHECK_MESSAGE(std::string{e.what()}.find(needle) != std::string::npos, e.what());
  }
}

const operator_state_modes no_modes;

} // namespace

BOOST_AUTO_TEST_SUITE(operator_state_redistribution)

BOOST_AUTO_TEST_CASE(mode_names_round_trip_and_unknown_states_default_to_even_split) {
  for (auto m : {operator_state_mode::even_split, operator_state_mode::union_list,
                 operator_state_mode::broadcast})
    BOOST_CHECK(parse_operator_state_mode(to_string(m)) == m);
  BOOST_CHECK(!parse_operator_state_mode("union"));
  BOOST_CHECK(!parse_operator_state_mode("Broadcast"));
  BOOST_CHECK(!parse_operator_state_mode(""));
  operator_state_modes modes{{"u", operator_state_mode::union_list}};
  BOOST_CHECK(mode_of(modes, "u") == operator_state_mode::union_list);
  BOOST_CHECK(mode_of(modes, "other") == operator_state_mode::even_split);
}

BOOST_AUTO_TEST_CASE(even_split_2_to_3_to_1_keeps_every_item_once_in_contiguous_runs) {
  subtask_list_items old;
  add(old, "offsets", {5, 2});
  auto three = redistribute_operator_state(old, 2, 3, no_modes);
  BOOST_REQUIRE_EQUAL(three.size(), 3u);
  // 7 items over 3: first 7 % 3 = 1 part one larger (Flink's rule).
  BOOST_CHECK((of(three[0], "offsets") == strings{"offsets/0/0", "offsets/0/1", "offsets/0/2"}));
  BOOST_CHECK((of(three[1], "offsets") == strings{"offsets/0/3", "offsets/0/4"}));
  BOOST_CHECK((of(three[2], "offsets") == strings{"offsets/1/0", "offsets/1/1"}));
  auto one = redistribute_operator_state(three, 3, 1, no_modes);
  BOOST_REQUIRE_EQUAL(one.size(), 1u);
  BOOST_CHECK(of(one[0], "offsets") == concat_of(old, "offsets"));
}

BOOST_AUTO_TEST_CASE(even_split_part_sizes_differ_by_at_most_one) {
  subtask_list_items old;
  add(old, "s", {7, 3});
  auto out = redistribute_operator_state(old, 2, 4, no_modes);
  std::vector<size_t> sizes;
  for (auto& items : out)
    sizes.push_back(of(items, "s").size());
  BOOST_CHECK((sizes == std::vector<size_t>{3, 3, 2, 2}));
  BOOST_CHECK(concat_of(out, "s") == concat_of(old, "s"));
}

BOOST_AUTO_TEST_CASE(same_parallelism_keeps_each_subtasks_own_items) {
  subtask_list_items old;
  add(old, "s", {5, 0, 2}); // unbalanced on purpose: not rebalanced
  add(old, "b", {1, 1, 1});
  operator_state_modes modes{{"b", operator_state_mode::broadcast}};
  auto out = redistribute_operator_state(old, 3, 3, modes);
  BOOST_REQUIRE_EQUAL(out.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    BOOST_CHECK(of(out[i], "s") == of(old[i], "s"));
    BOOST_CHECK(of(out[i], "b") == of(old[i], "b")); // own broadcast copy
  }
}

BOOST_AUTO_TEST_CASE(union_3_to_2_gives_all_items_to_every_subtask) {
  subtask_list_items old;
  add(old, "u", {2, 0, 3});
  operator_state_modes modes{{"u", operator_state_mode::union_list}};
  auto all = concat_of(old, "u");
  for (uint32_t p : {2u, 3u}) { // also at unchanged parallelism
    auto out = redistribute_operator_state(old, 3, p, modes);
    BOOST_REQUIRE_EQUAL(out.size(), p);
    for (auto& items : out)
      BOOST_CHECK(of(items, "u") == all);
  }
}

BOOST_AUTO_TEST_CASE(broadcast_2_to_4_and_back_gives_one_copy_each) {
  subtask_list_items old(2);
  for (auto& items : old)
    for (auto rule : {"r1", "r2", "r3"})
      items.push_back({"rules", rule});
  operator_state_modes modes{{"rules", operator_state_mode::broadcast}};
  auto four = redistribute_operator_state(old, 2, 4, modes);
  BOOST_REQUIRE_EQUAL(four.size(), 4u);
  for (auto& items : four)
    BOOST_CHECK((of(items, "rules") == strings{"r1", "r2", "r3"}));
  auto two = redistribute_operator_state(four, 4, 2, modes);
  for (auto& items : two)
    BOOST_CHECK((of(items, "rules") == strings{"r1", "r2", "r3"}));
  BOOST_CHECK(diverging_broadcast_states(old, 2, modes).empty());
}

BOOST_AUTO_TEST_CASE(diverging_broadcast_copies_go_round_robin_and_are_reported) {
  subtask_list_items old;
  add(old, "rules", {1, 2});
  operator_state_modes modes{{"rules", operator_state_mode::broadcast}};
  auto out = redistribute_operator_state(old, 2, 3, modes);
  BOOST_CHECK(of(out[0], "rules") == of(old[0], "rules"));
  BOOST_CHECK(of(out[1], "rules") == of(old[1], "rules"));
  BOOST_CHECK(of(out[2], "rules") == of(old[0], "rules")); // 2 % 2 = old 0
  BOOST_CHECK((diverging_broadcast_states(old, 2, modes) == strings{"rules"}));
}

BOOST_AUTO_TEST_CASE(several_states_with_different_modes_in_one_operator) {
  // Interleaved as an operator writes them: per subtask a, b, u, r items.
  subtask_list_items old(2);
  for (size_t i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      auto tag = std::to_string(i) + "/" + std::to_string(j);
      old[i].push_back({"b", "b/" + tag});
      old[i].push_back({"a", "a/" + tag});
      old[i].push_back({"u", "u/" + tag});
      old[i].push_back({"r", "r/" + std::to_string(j)});
    }
  operator_state_modes modes{{"u", operator_state_mode::union_list},
                             {"r", operator_state_mode::broadcast}};
  auto out = redistribute_operator_state(old, 2, 3, modes);
  // "a": 4 items, first part larger, starts at 0; "b" starts at 0 + 4 % 3 = 1.
  BOOST_CHECK((of(out[0], "a") == strings{"a/0/0", "a/0/1"}));
  BOOST_CHECK((of(out[1], "a") == strings{"a/1/0"}));
  BOOST_CHECK((of(out[2], "a") == strings{"a/1/1"}));
  BOOST_CHECK((of(out[1], "b") == strings{"b/0/0", "b/0/1"}));
  BOOST_CHECK((of(out[2], "b") == strings{"b/1/0"}));
  BOOST_CHECK((of(out[0], "b") == strings{"b/1/1"}));
  for (auto& items : out) {
    BOOST_CHECK(of(items, "u") == concat_of(old, "u"));
    BOOST_CHECK((of(items, "r") == strings{"r/0", "r/1"}));
    for (size_t k = 1; k < items.size(); ++k) // grouped by state, name order
      BOOST_CHECK(items[k - 1].state <= items[k].state);
  }
}

BOOST_AUTO_TEST_CASE(empty_states_and_subtasks_without_items) {
  subtask_list_items nothing(3);
  for (uint32_t p : {1u, 3u, 5u}) {
    auto out = redistribute_operator_state(nothing, 3, p, no_modes);
    BOOST_REQUIRE_EQUAL(out.size(), p);
    for (auto& items : out)
      BOOST_CHECK(items.empty());
  }
  subtask_list_items old;
  add(old, "s", {0, 2, 0});
  auto out = redistribute_operator_state(old, 3, 4, no_modes);
  BOOST_CHECK((of(out[0], "s") == strings{"s/1/0"}));
  BOOST_CHECK((of(out[1], "s") == strings{"s/1/1"}));
  BOOST_CHECK(out[2].empty());
  BOOST_CHECK(out[3].empty());
}

BOOST_AUTO_TEST_CASE(refuses_zero_parallelism_and_mismatched_inputs) {
  subtask_list_items old(2);
  check_invalid([&] { redistribute_operator_state(old, 2, 0, no_modes); },
                "new parallelism is 0");
  check_invalid([&] { redistribute_operator_state({}, 0, 2, no_modes); },
                "old parallelism is 0");
  check_invalid([&] { redistribute_operator_state(old, 3, 2, no_modes); },
                "2 old subtask states for old parallelism 3");
  check_invalid([&] { diverging_broadcast_states(old, 1, no_modes); },
                "2 old subtask states for old parallelism 1");
}

BOOST_AUTO_TEST_CASE(property_random_sizes_and_parallelisms_1_to_8) {
  std::mt19937 rng{20240607};
  std::uniform_int_distribution<int> count{0, 12};
  operator_state_modes modes{{"u", operator_state_mode::union_list},
                             {"z", operator_state_mode::broadcast}};
  for (int round = 0; round < 4; ++round)
    for (uint32_t p_old = 1; p_old <= 8; ++p_old)
      for (uint32_t p_new = 1; p_new <= 8; ++p_new) {
        subtask_list_items old;
        for (std::string s : {"a", "b", "u"}) {
          std::vector<int> counts(p_old);
          for (auto& c : counts)
            c = count(rng);
          add(old, s, counts);
        }
        int rules = count(rng);
        for (auto& items : old)
          for (int j = 0; j < rules; ++j)
            items.push_back({"z", "z/" + std::to_string(j)});
        auto out = redistribute_operator_state(old, p_old, p_new, modes);
        BOOST_REQUIRE_EQUAL(out.size(), p_new);
        for (std::string s : {"a", "b"}) {
          auto all = concat_of(old, s);
          std::map<std::string, size_t> index;
          for (size_t k = 0; k < all.size(); ++k)
            index[all[k]] = k;
          std::vector<size_t> seen(all.size(), 0);
          size_t smallest = all.size(), largest = 0;
          for (uint32_t i = 0; i < p_new; ++i) {
            auto part = of(out[i], s);
            if (p_old == p_new)
              BOOST_CHECK(part == of(old[i], s));
            smallest = std::min(smallest, part.size());
            largest = std::max(largest, part.size());
            for (size_t k = 0; k < part.size(); ++k) {
              BOOST_REQUIRE(index.count(part[k]) == 1);
              ++seen[index[part[k]]];
              if (k > 0) // a contiguous run of the old order
                BOOST_CHECK_EQUAL(index[part[k]], index[part[k - 1]] + 1);
            }
          }
          for (auto n : seen)
            BOOST_CHECK_EQUAL(n, 1u); // no loss, no duplicates
          if (p_old != p_new)
            BOOST_CHECK_LE(largest - smallest, 1u);
        }
        for (uint32_t i = 0; i < p_new; ++i) {
          BOOST_CHECK(of(out[i], "u") == concat_of(old, "u"));
          BOOST_CHECK_EQUAL(of(out[i], "z").size(), static_cast<size_t>(rules));
        }
      }
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace operator_state_redistribution_test
