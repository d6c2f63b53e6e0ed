// The stateless operators (map, filter, flat_map) and key_by + process, each
// against a reference computed here, at parallelism 1, 2 and 4.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <tuple>
#include <vector>

#include "operators/environment.hpp"

namespace bdata = boost::unit_test::data;

// Named, not anonymous: data test cases are templates (-Wsubobject-linkage).
namespace operators_test {

struct item {
  int32_t key = 0;
  int64_t value = 0;
  uint32_t seq = 0;
  friend bool operator==(const item&, const item&) = default;
  friend bool operator<(const item& a, const item& b) {
    return std::tie(a.seq, a.key, a.value) < std::tie(b.seq, b.key, b.value);
  }
};

std::vector<item> make_items(size_t n) {
  std::vector<item> xs;
  xs.reserve(n);
  for (uint32_t i = 0; i < n; ++i)
    xs.push_back({static_cast<int32_t>((i * 7 + i / 3) % 17), static_cast<int64_t>(i % 101),
                  i});
  return xs;
}

/// Builds the job with `build(source)` at parallelism p, runs it and returns
/// what reached the collect sink.
template <class Build>
auto run_at(uint32_t p, const std::vector<item>& input, Build build) {
  sluice::environment env;
  env.set_parallelism(p).set_batch_size(50);
  auto out = build(env.from_collection(input)).collect();
  BOOST_REQUIRE_EQUAL(sluice::to_string(env.execute("operators").status), "finished");
  return out->values();
}

template <class T>
std::vector<T> sorted(std::vector<T> xs) {
  std::sort(xs.begin(), xs.end());
  return xs;
}

/// Emits (key, running count of the key, seq): needs keyed state and the
/// current key to be right.
class count_per_key final : public sluice::keyed_process_function<int32_t, item, item> {
public:
  void open(sluice::keyed_context<int32_t>& ctx) override {
    count_ = &ctx.state(sluice::value_state_descriptor<int64_t>{"count"});
  }

  void process_element(const item& x, sluice::keyed_context<int32_t>& ctx,
                       sluice::collector<item>& out) override {
    if (ctx.current_key() != x.key)
      ctx.fail("current key differs from the record's key");
    auto n = count_->value_or(0) + 1;
    count_->update(n);
    out.collect({x.key, n, x.seq});
  }

private:
  sluice::value_state<int64_t>* count_ = nullptr;
};

const auto parallelisms = bdata::make({1u, 2u, 4u});

} // namespace operators_test

using namespace operators_test;

BOOST_AUTO_TEST_SUITE(operators)

BOOST_DATA_TEST_CASE(map_matches_reference, parallelisms, p) {
  auto input = make_items(4000);
  auto f = [](const item& x) { return item{x.key, x.value * 3 - x.key, x.seq}; };
  auto got = run_at(p, input, [&](auto s) { return s.map(f); });
  std::vector<item> expected;
  for (auto& x : input)
    expected.push_back(f(x));
  BOOST_CHECK_EQUAL(got.size(), expected.size());
  BOOST_CHECK(sorted(got) == sorted(expected));
  if (p == 1) // one chain after the (parallelism 1) source: order kept
    BOOST_CHECK(got == expected);
}

BOOST_DATA_TEST_CASE(filter_matches_reference, parallelisms, p) {
  auto input = make_items(4000);
  auto keep = [](const item& x) { return x.value % 3 != 0 && x.key != 5; };
  auto got = run_at(p, input, [&](auto s) { return s.filter(keep); });
  std::vector<item> expected;
  std::copy_if(input.begin(), input.end(), std::back_inserter(expected), keep);
  BOOST_CHECK_EQUAL(got.size(), expected.size());
  BOOST_CHECK(sorted(got) == sorted(expected));
}

BOOST_DATA_TEST_CASE(filter_keeping_everything_or_nothing, parallelisms, p) {
  auto input = make_items(1000);
  auto all = run_at(p, input, [](auto s) { return s.filter([](const item&) { return true; }); });
  BOOST_CHECK(sorted(all) == input);
  auto none
    = run_at(p, input, [](auto s) { return s.filter([](const item&) { return false; }); });
  BOOST_CHECK(none.empty());
}

BOOST_DATA_TEST_CASE(flat_map_matches_reference, parallelisms, p) {
  auto input = make_items(3000);
  // value % 4 copies of each record (zero for a quarter of them).
  auto f = [](const item& x, sluice::collector<item>& out) {
    for (int64_t i = 0; i < x.value % 4; ++i)
      out.collect({x.key, i, x.seq});
  };
  auto got = run_at(p, input, [&](auto s) { return s.template flat_map<item>(f); });
  std::vector<item> expected;
  sluice::collector<item> c{expected};
  for (auto& x : input)
    f(x, c);
  BOOST_CHECK_EQUAL(got.size(), expected.size());
  BOOST_CHECK(sorted(got) == sorted(expected));
}

BOOST_DATA_TEST_CASE(key_by_process_matches_reference, parallelisms, p) {
  auto input = make_items(6000);
  auto got = run_at(p, input, [](auto s) {
    return s.key_by([](const item& x) { return x.key; }).process(count_per_key{});
  });
  // Per key: counts 1, 2, 3, ... carried by the key's records in input order.
  std::map<int32_t, std::vector<std::pair<int64_t, uint32_t>>> expected, actual;
  for (auto& x : input) {
    auto& v = expected[x.key];
    v.emplace_back(static_cast<int64_t>(v.size()) + 1, x.seq);
  }
  for (auto& x : got)
    actual[x.key].emplace_back(x.value, x.seq);
  BOOST_CHECK(actual == expected);
}

BOOST_DATA_TEST_CASE(chain_of_all_operators_matches_reference, parallelisms, p) {
  auto input = make_items(5000);
  auto got = run_at(p, input, [](auto s) {
    return s.map([](const item& x) { return item{x.key, x.value + 1, x.seq}; })
      .filter([](const item& x) { return x.value % 2 == 0; })
      .template flat_map<item>([](const item& x, sluice::collector<item>& out) {
        out.collect(x);
        out.collect({x.key, -x.value, x.seq});
      })
      .key_by([](const item& x) { return x.key; })
      .sum(&item::value);
  });
  // Reference with one upstream subtask (exact order): per key the running
  // sums go v, 0, v', 0, ... With parallelism > 1 a key's records come from
  // several flat_map subtasks, interleaved in any order, so check what does
  // not depend on it: the records (seq numbers) per key, and the final sum,
  // which is 0 since every +v has its -v.
  std::map<int32_t, std::vector<std::pair<int64_t, uint32_t>>> expected, actual;
  std::map<int32_t, int64_t> sums;
  for (auto& x : input)
    if ((x.value + 1) % 2 == 0) {
      expected[x.key].emplace_back(sums[x.key] += x.value + 1, x.seq);
      expected[x.key].emplace_back(sums[x.key] -= x.value + 1, x.seq);
    }
  for (auto& x : got)
    actual[x.key].emplace_back(x.value, x.seq);
  if (p == 1) {
    BOOST_CHECK(actual == expected);
  } else {
    auto seqs = [](auto m) {
      std::map<int32_t, std::vector<uint32_t>> r;
      for (auto& [k, v] : m) {
        for (auto& row : v)
          r[k].push_back(row.second);
        std::sort(r[k].begin(), r[k].end());
      }
      return r;
    };
    BOOST_CHECK(seqs(actual) == seqs(expected));
    for (auto& [k, v] : actual)
      BOOST_CHECK_MESSAGE(v.back().first == 0, "key " << k << " ends at " << v.back().first);
  }
}

BOOST_AUTO_TEST_SUITE_END()
