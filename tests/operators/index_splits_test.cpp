// index_splits (operators/index_splits.hpp) without an actor system: which
// indices each subtask emits and in what order, and that a snapshot taken
// at one parallelism restores at another with no index lost or repeated.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <set>
#include <vector>

#include "actors/contract/operator.hpp"
#include "operators/index_splits.hpp"
#include "snapshot/state_codec.hpp"

using namespace sluice;

namespace index_splits_test {

namespace {

/// Every subtask of `parallelism`, fresh.
std::vector<index_splits> fresh(uint32_t splits, uint64_t count, uint32_t parallelism) {
  std::vector<index_splits> subtasks;
  for (uint32_t i = 0; i < parallelism; ++i) {
    subtasks.emplace_back(splits, count);
    subtasks.back().assign(i, parallelism);
  }
  return subtasks;
}

/// Takes up to `n` indices from `s`.
std::vector<uint64_t> take(index_splits& s, size_t n) {
  std::vector<uint64_t> out;
  while (!s.done() && out.size() < n)
    out.push_back(s.take());
  return out;
}

/// The restore context of every old subtask's snapshot (a union list).
initialization_context snapshot_of(const std::vector<index_splits>& subtasks) {
  initialization_context ctx;
  ctx.restored = true;
  ctx.restored_checkpoint_id = 7;
  for (auto& s : subtasks)
    ctx.list_items.push_back({index_splits_state, s.snapshot()});
  return ctx;
}

std::vector<index_splits> restored(const initialization_context& ctx, uint32_t splits,
                                   uint64_t count, uint32_t parallelism) {
  std::vector<index_splits> subtasks;
  for (uint32_t i = 0; i < parallelism; ++i) {
    subtasks.emplace_back(splits, count);
    subtasks.back().restore(ctx, i, parallelism, "test source");
  }
  return subtasks;
}

ec code_of_restore(const initialization_context& ctx, uint32_t splits) {
  try {
    index_splits s{splits, 100};
    s.restore(ctx, 0, 1, "test source");
  } catch (const exception& e) {
    return e.code();
  }
  return ec::none;
}

} // namespace

BOOST_AUTO_TEST_SUITE(index_splits_suite)

BOOST_AUTO_TEST_CASE(parallelism_1_emits_every_index_in_order) {
  auto subtasks = fresh(8, 100, 1);
  std::vector<uint64_t> expected(100);
  std::iota(expected.begin(), expected.end(), 0);
  BOOST_CHECK(take(subtasks[0], 1000) == expected);
  BOOST_CHECK(subtasks[0].done());
}

BOOST_AUTO_TEST_CASE(subtasks_share_the_index_space_without_overlap) {
  for (uint32_t p : {2u, 3u, 8u, 11u}) {
    BOOST_TEST_CONTEXT("parallelism " << p) {
      auto subtasks = fresh(8, 103, p);
      std::multiset<uint64_t> all;
      for (uint32_t i = 0; i < p; ++i) {
        auto xs = take(subtasks[i], 1000);
        BOOST_CHECK(std::is_sorted(xs.begin(), xs.end()));
        for (auto x : xs)
          BOOST_CHECK_EQUAL(x % 8 % p, i); // split x % 8 is subtask (x % 8) % p's
        all.insert(xs.begin(), xs.end());
      }
      BOOST_CHECK_EQUAL(all.size(), 103u);
      BOOST_CHECK_EQUAL(std::set<uint64_t>(all.begin(), all.end()).size(), 103u);
      if (p > 8)
        BOOST_CHECK(subtasks[8].done() && subtasks[8].owned() == 0);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_snapshot_restores_exactly_at_any_parallelism) {
  for (uint32_t from : {1u, 2u, 3u}) {
    for (uint32_t to : {1u, 2u, 3u, 5u}) {
      BOOST_TEST_CONTEXT(from << " -> " << to) {
        auto before = fresh(16, 1000, from);
        std::multiset<uint64_t> seen;
        for (uint32_t i = 0; i < from; ++i) {
          auto xs = take(before[i], 100 + 37 * i); // uneven progress
          seen.insert(xs.begin(), xs.end());
        }
        auto after = restored(snapshot_of(before), 16, 1000, to);
        for (auto& s : after) {
          auto xs = take(s, 100000);
          BOOST_CHECK(std::is_sorted(xs.begin(), xs.end()));
          seen.insert(xs.begin(), xs.end());
        }
        BOOST_CHECK_EQUAL(seen.size(), 1000u);
        BOOST_CHECK_EQUAL(std::set<uint64_t>(seen.begin(), seen.end()).size(), 1000u);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(an_unbounded_space_never_ends_and_restores_where_it_was) {
  auto subtasks = fresh(4, index_splits::unbounded, 2);
  auto xs = take(subtasks[0], 50);
  BOOST_CHECK_EQUAL(xs.size(), 50u);
  BOOST_CHECK(!subtasks[0].done());
  take(subtasks[1], 10);
  auto back = restored(snapshot_of(subtasks), 4, index_splits::unbounded, 1);
  // Subtask 1 (splits 1, 3) is behind: its next indices come first.
  BOOST_CHECK_EQUAL(back[0].peek(), 21u);
}

BOOST_AUTO_TEST_CASE(another_number_of_splits_or_old_offsets_are_incompatible) {
  auto ctx = snapshot_of(fresh(8, 100, 2));
  BOOST_CHECK(code_of_restore(ctx, 16) == ec::incompatible_state);
  initialization_context old;
  old.restored = true;
  std::string bytes;
  encode_value(uint64_t{42}, bytes);
  old.list_items.push_back({"offset", bytes});
  BOOST_CHECK(code_of_restore(old, 8) == ec::incompatible_state);
}

BOOST_AUTO_TEST_CASE(missing_repeated_or_damaged_positions_are_corrupt) {
  auto two = fresh(8, 100, 2);
  auto only_first = snapshot_of(two);
  only_first.list_items.pop_back();
  BOOST_CHECK(code_of_restore(only_first, 8) == ec::corrupt_file);
  auto twice = snapshot_of(two);
  twice.list_items.push_back(twice.list_items.front());
  BOOST_CHECK(code_of_restore(twice, 8) == ec::corrupt_file);
  auto damaged = snapshot_of(two);
  damaged.list_items.front().bytes.resize(3);
  BOOST_CHECK(code_of_restore(damaged, 8) == ec::corrupt_file);
  // A position that is not in its split (split 1 at index 4).
  initialization_context wrong;
  wrong.restored = true;
  std::string bytes;
  encode_value(std::pair<uint32_t, std::vector<std::pair<uint32_t, uint64_t>>>{
                 2, {{0, 0}, {1, 4}}},
               bytes);
  wrong.list_items.push_back({index_splits_state, bytes});
  BOOST_CHECK(code_of_restore(wrong, 2) == ec::corrupt_file);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace index_splits_test
