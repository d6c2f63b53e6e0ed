// Keyed rolling sum and reduce against reference computations, at
// parallelism 1, 2 and 4. Every check compares per-key sequences, so a lost,
// duplicated or reordered record (within a key) fails the test.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "operators/environment.hpp"

namespace bdata = boost::unit_test::data;

// A named namespace, not an anonymous one: data test cases are templates,
// and g++ warns (-Wsubobject-linkage) when they capture internal types.
namespace keyed_aggregations_test {

struct word_count {
  std::string word;
  int64_t count = 0;
  /// Position in the input: not aggregated, must come from the input record.
  uint32_t seq = 0;
};

std::vector<word_count> make_words(size_t n) {
  std::vector<word_count> xs;
  xs.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    // 13 keys, uneven frequencies; counts vary so sums are not just i.
    auto k = (i * i + 3 * i) % 13;
    xs.push_back({"word-" + std::to_string(k), static_cast<int64_t>(i % 5 + 1),
                  static_cast<uint32_t>(i)});
  }
  return xs;
}

/// Runs `build(env)` at parallelism `p` and checks that the job finished.
template <class Build>
auto run_at(uint32_t p, Build build) {
  sluice::environment env;
  env.set_parallelism(p).set_batch_size(64);
  auto out = build(env);
  auto result = env.execute("keyed-aggregation");
  BOOST_REQUIRE_EQUAL(sluice::to_string(result.status), "finished");
  return out->values();
}

const auto parallelisms = bdata::make({1u, 2u, 4u});

} // namespace keyed_aggregations_test

using namespace keyed_aggregations_test;

BOOST_AUTO_TEST_SUITE(keyed_aggregations)

BOOST_DATA_TEST_CASE(sum_of_member_matches_reference, parallelisms, p) {
  const auto input = make_words(6000);
  auto got = run_at(p, [&](sluice::environment& env) {
    return env.from_collection(input)
      .key_by([](const word_count& w) { return w.word; })
      .sum(&word_count::count)
      .collect();
  });
  // Reference: per word, (running sum, seq of the input record) in input order.
  using row = std::pair<int64_t, uint32_t>;
  std::map<std::string, std::vector<row>> expected, actual;
  std::map<std::string, int64_t> sums;
  for (auto& w : input)
    expected[w.word].emplace_back(sums[w.word] += w.count, w.seq);
  for (auto& w : got)
    actual[w.word].emplace_back(w.count, w.seq);
  BOOST_CHECK_EQUAL(got.size(), input.size());
  BOOST_CHECK(actual == expected);
}

BOOST_DATA_TEST_CASE(sum_of_tuple_element_matches_reference, parallelisms, p) {
  using rec = std::tuple<int32_t, double, uint32_t>; // key, value, seq
  std::vector<rec> input;
  for (uint32_t i = 0; i < 5000; ++i)
    input.emplace_back(static_cast<int32_t>(i % 11), 0.5 * (i % 7), i);
  auto got = run_at(p, [&](sluice::environment& env) {
    return env.from_collection(input)
      .key_by([](const rec& r) { return std::get<0>(r); })
      .template sum<1>()
      .collect();
  });
  std::map<int32_t, std::vector<std::pair<double, uint32_t>>> expected, actual;
  std::map<int32_t, double> sums;
  for (auto& [k, v, seq] : input)
    expected[k].emplace_back(sums[k] += v, seq);
  for (auto& [k, v, seq] : got)
    actual[k].emplace_back(v, seq);
  // Same additions in the same order: bit-identical doubles.
  BOOST_CHECK(actual == expected);
}

BOOST_DATA_TEST_CASE(sum_of_pair_element_matches_reference, parallelisms, p) {
  using rec = std::pair<std::string, int64_t>;
  std::vector<rec> input;
  for (auto& w : make_words(3000))
    input.emplace_back(w.word, w.count);
  auto got = run_at(p, [&](sluice::environment& env) {
    return env.from_collection(input)
      .key_by([](const rec& r) -> const std::string& { return r.first; })
      .template sum<1>()
      .collect();
  });
  std::map<std::string, std::vector<int64_t>> expected, actual;
  std::map<std::string, int64_t> sums;
  for (auto& [k, v] : input)
    expected[k].push_back(sums[k] += v);
  for (auto& [k, v] : got)
    actual[k].push_back(v);
  BOOST_CHECK(actual == expected);
}

BOOST_DATA_TEST_CASE(reduce_matches_reference_and_keeps_order_per_key, parallelisms, p) {
  // A non-commutative reduce: any reordering within a key changes the result.
  auto fold = [](const word_count& acc, const word_count& in) {
    return word_count{in.word, (acc.count * 31 + in.count) % 1000003, in.seq};
  };
  const auto input = make_words(6000);
  auto got = run_at(p, [&](sluice::environment& env) {
    return env.from_collection(input)
      .key_by([](const word_count& w) { return w.word; })
      .reduce(fold)
      .collect();
  });
  using row = std::pair<int64_t, uint32_t>;
  std::map<std::string, std::vector<row>> expected, actual;
  std::map<std::string, word_count> accs;
  for (auto& w : input) {
    auto it = accs.find(w.word);
    auto next = it == accs.end() ? w : fold(it->second, w);
    accs[w.word] = next;
    expected[w.word].emplace_back(next.count, next.seq);
  }
  for (auto& w : got)
    actual[w.word].emplace_back(w.count, w.seq);
  BOOST_CHECK(actual == expected);
}

BOOST_AUTO_TEST_SUITE_END()
