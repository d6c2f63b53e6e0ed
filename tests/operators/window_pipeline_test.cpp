// Event-time windows through whole jobs (issue 8): the results of a keyed
// tumbling window against a reference computed here, with out-of-order
// input. Event-time timers, window functions, late data, idle inputs and
// stop --drain: window_timers_test.cpp, window_functions_test.cpp,
// window_late_data_test.cpp, window_idle_and_drain_test.cpp.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <vector>

#include "operators/environment.hpp"
#include "tests/operators/window_pipeline_util.hpp"

using namespace sluice;
using namespace sluice::window_job_test;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(window_pipeline)

// A tumbling 1 s event-time window summing values per sensor: with a bound
// of 3 s no element is late, so every (sensor, window) sum equals the
// reference, each emitted exactly once.
BOOST_AUTO_TEST_CASE(tumbling_event_time_sums_match_the_reference) {
  auto xs = out_of_order(2000, 7);
  std::map<std::pair<int32_t, int64_t>, int64_t> expected;
  for (auto& r : xs)
    expected[{r.sensor, r.time / 1000 * 1000}] += r.value;
  environment env;
  env.set_parallelism(2);
  auto out = env.from_collection(xs)
               .assign_timestamps_and_watermarks(by_time())
               .key_by([](const reading& r) { return r.sensor; })
               .window(tumbling_event_time_windows::of(1s))
               .reduce([](const reading& a, const reading& b) {
                 return reading{a.sensor, a.value + b.value, std::min(a.time, b.time)};
               })
               .collect();
  auto result = env.execute("tumbling");
  BOOST_REQUIRE_MESSAGE(result.status == job_status::finished, result.message);
  std::map<std::pair<int32_t, int64_t>, int64_t> got;
  for (auto& r : out->values()) {
    auto k = std::make_pair(r.sensor, r.time / 1000 * 1000);
    BOOST_CHECK_MESSAGE(got.count(k) == 0, "window fired twice");
    got[k] = r.value;
  }
  BOOST_CHECK(got == expected);
}

BOOST_AUTO_TEST_SUITE_END()
