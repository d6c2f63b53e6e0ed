// The README's API example compiles (it is generated into this executable
// from README.md, see scripts/readme-example) and does what its text says:
// running sums per sensor in keyed state, then the largest running sum per
// sensor and 10 s event-time window.
#include "tests/apps/readme_example.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <utility>

using namespace sluice;

namespace readme_example_test {

using namespace sluice::readme_example_test;

BOOST_AUTO_TEST_SUITE(readme_example)

BOOST_AUTO_TEST_CASE(the_readme_api_example_runs_and_takes_the_largest_running_sum_per_window) {
  // Two sensors, times in ms, windows [0, 10s) and [10s, 20s). With
  // parallelism 2 the readings of a sensor may reach its running sum in any
  // order (as in Flink), so the checks hold for every order: one result per
  // sensor and window, each a reading of that window carrying a running sum
  // (at least its own value, at most the sensor's total), and the sensor's
  // largest result is its total (the last running sum, values positive).
  std::vector<sample> input{{1, 1'000, 1}, {2, 2'000, 5},  {1, 3'000, 2},
                            {1, 4'000, 3}, {1, 12'000, 10}, {2, 15'000, 7}};
  auto outcome = run_readme_example(input);
  BOOST_CHECK(outcome.result.status == job_status::finished);
  std::map<int32_t, int64_t> total;
  for (auto& s : input)
    total[s.sensor] += s.value;
  std::map<std::pair<int32_t, int64_t>, int> per_window; // (sensor, window start)
  std::map<int32_t, int64_t> largest;
  for (auto& r : outcome.maxima) {
    BOOST_TEST_MESSAGE("collected " << r.sensor << " " << r.time << " " << r.value);
    auto own = std::find_if(input.begin(), input.end(), [&](const sample& s) {
      return s.sensor == r.sensor && s.time == r.time;
    });
    BOOST_REQUIRE_MESSAGE(own != input.end(), "not a reading: " << r.sensor << "@" << r.time);
    BOOST_CHECK_GE(r.value, own->value);
    BOOST_CHECK_LE(r.value, total[r.sensor]);
    ++per_window[{r.sensor, r.time / 10'000 * 10'000}];
    largest[r.sensor] = std::max(largest[r.sensor], r.value);
  }
  std::map<std::pair<int32_t, int64_t>, int> one_each{
    {{1, 0}, 1}, {{1, 10'000}, 1}, {{2, 0}, 1}, {{2, 10'000}, 1}};
  BOOST_CHECK(per_window == one_each);
  BOOST_CHECK(largest == total);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace readme_example_test
