// Incremental window functions with a window function through whole jobs
// (Flink's aggregate(agg, windowFn) / reduce(fn, windowFn), issue 8):
// tumbling event-time windows and sliding count windows whose window
// function gets the one incremental result, against a reference computed
// here, with out-of-order input.
#include <boost/test/unit_test.hpp>

#include <map>
#include <set>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>

#include "operators/environment.hpp"
#include "tests/operators/window_pipeline_util.hpp"

using namespace sluice;
using namespace sluice::window_job_test;
using namespace std::chrono_literals;

namespace {

/// (count, sum) of readings, as a Flink AggregateFunction.
struct count_and_sum {
  std::pair<int64_t, int64_t> create() const {
    return {0, 0};
  }
  std::pair<int64_t, int64_t> add(const reading& r, std::pair<int64_t, int64_t> acc) const {
    return {acc.first + 1, acc.second + r.value};
  }
  std::pair<int64_t, int64_t> result(const std::pair<int64_t, int64_t>& acc) const {
    return acc;
  }
  std::pair<int64_t, int64_t> merge(std::pair<int64_t, int64_t> a,
                                    std::pair<int64_t, int64_t> b) const {
    return {a.first + b.first, a.second + b.second};
  }
};

using window_row = std::tuple<int32_t, int64_t, int64_t, int64_t>; // key, start, count, sum

/// Adds the key and the window start to the aggregate's single result.
class label_window final
  : public process_window_function<int32_t, std::pair<int64_t, int64_t>, window_row,
                                   time_window> {
public:
  void process(const int32_t& key, const window_context<time_window>& ctx,
               const std::vector<std::pair<int64_t, int64_t>>& results,
               collector<window_row>& out) override {
    for (auto& [count, sum] : results)
      out.collect({key, ctx.window.start, count, sum});
  }
};

/// Counts how often it fired per key (one result per fire: the reduced
/// reading, its value being the window's sum).
class number_fires final
  : public process_window_function<int32_t, reading, std::pair<int32_t, int64_t>,
                                   global_window> {
public:
  void process(const int32_t& key, const window_context<global_window>&,
               const std::vector<reading>& reduced,
               collector<std::pair<int32_t, int64_t>>& out) override {
    if (reduced.size() != 1)
      throw std::runtime_error{"a reduce handed over more than one result"};
    out.collect({key, reduced.front().value});
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(window_pipeline)

// Incremental functions with a window function (Flink's aggregate(agg,
// windowFn) / reduce(fn, windowFn)): the window function gets the one
// incremental result and the window. Tumbling 1 s windows with (count,
// sum) labelled by window; sliding count windows (4, every 2) whose sums
// per key equal the reference's.
BOOST_AUTO_TEST_CASE(incremental_results_reach_a_window_function) {
  auto xs = out_of_order(2000, 5);
  std::set<window_row> expected;
  {
    std::map<std::pair<int32_t, int64_t>, std::pair<int64_t, int64_t>> acc;
    for (auto& r : xs) {
      auto& a = acc[{r.sensor, r.time / 1000 * 1000}];
      a = {a.first + 1, a.second + r.value};
    }
    for (auto& [k, a] : acc)
      expected.insert({k.first, k.second, a.first, a.second});
  }
  std::map<int32_t, std::vector<int64_t>> expected_sums, seen;
  for (auto& r : xs) {
    auto& s = seen[r.sensor];
    s.push_back(r.value);
    if (s.size() % 2 == 0) {
      int64_t sum = 0;
      for (size_t i = s.size() > 4 ? s.size() - 4 : 0; i < s.size(); ++i)
        sum += s[i];
      expected_sums[r.sensor].push_back(sum);
    }
  }
  environment env;
  env.set_parallelism(2);
  auto keyed = env.from_collection(xs)
                 .assign_timestamps_and_watermarks(by_time())
                 .parallelism(1) // one channel per window subtask: per-key order kept
                 .key_by([](const reading& r) { return r.sensor; });
  auto rows = keyed.window(tumbling_event_time_windows::of(1s))
                .aggregate(count_and_sum{}, label_window{})
                .collect();
  auto sums = keyed.count_window(4, 2).reduce(sum_readings, number_fires{}).collect();
  auto result = env.execute("window-functions");
  BOOST_REQUIRE_MESSAGE(result.status == job_status::finished, result.message);
  auto got = rows->values();
  BOOST_CHECK_EQUAL(got.size(), expected.size()); // each window once
  BOOST_CHECK(std::set<window_row>(got.begin(), got.end()) == expected);
  std::map<int32_t, std::vector<int64_t>> got_sums;
  for (auto& [key, sum] : sums->values())
    got_sums[key].push_back(sum);
  BOOST_CHECK(got_sums == expected_sums);
}

BOOST_AUTO_TEST_SUITE_END()
