// Late data of event-time windows through whole jobs (issue 8): the
// late-data side output carries exactly the readings a reference computed
// here finds late, the windows sum exactly the others; get_side_output
// refuses tags an operator does not have.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "operators/environment.hpp"
#include "tests/operators/punctuated_watermarks.hpp"
#include "tests/operators/window_pipeline_util.hpp"

using namespace sluice;
using namespace sluice::window_job_test;
using namespace std::chrono_literals;

namespace {

auto every_event() {
  return watermark_strategy<reading>::for_generator([] {
           return std::make_unique<sluice::testing::every_event_watermarks>();
         })
    .with_timestamp_assigner([](const reading& r) { return r.time; });
}

} // namespace

BOOST_AUTO_TEST_SUITE(window_pipeline)

// The late-data side output through a whole job: one assigner subtask
// with a watermark after every record, so the reference below knows which
// readings are late (their 1 s window's end passed the watermark). The
// windows sum exactly the others; the side output carries exactly the
// late ones, with their timestamps.
BOOST_AUTO_TEST_CASE(late_elements_reach_the_side_output_exactly) {
  auto xs = out_of_order(3000, 11);
  std::map<std::pair<int32_t, int64_t>, int64_t> expected;
  std::vector<std::tuple<int32_t, int64_t, int64_t>> expected_late;
  timestamp wm = min_timestamp;
  for (auto& r : xs) {
    auto start = r.time / 1000 * 1000;
    if (start + 999 <= wm)
      expected_late.emplace_back(r.sensor, r.value, r.time);
    else
      expected[{r.sensor, start}] += r.value;
    wm = std::max(wm, r.time - 1);
  }
  environment env;
  env.set_parallelism(2);
  output_tag<reading> late{"late-readings"};
  auto sums = env.from_collection(xs)
                .assign_timestamps_and_watermarks(every_event())
                .parallelism(1)
                .key_by([](const reading& r) { return r.sensor; })
                .window(tumbling_event_time_windows::of(1s))
                .side_output_late_data(late)
                .reduce(sum_readings);
  auto out = sums.collect();
  auto late_out = sums.get_side_output(late).map([](const reading& r) { return r; }).collect();
  auto result = env.execute("late-data");
  BOOST_REQUIRE_MESSAGE(result.status == job_status::finished, result.message);
  std::map<std::pair<int32_t, int64_t>, int64_t> got;
  for (auto& r : out->values())
    got[{r.sensor, r.time / 1000 * 1000}] += r.value;
  BOOST_CHECK(got == expected);
  std::vector<std::tuple<int32_t, int64_t, int64_t>> got_late;
  for (auto& r : late_out->values())
    got_late.emplace_back(r.sensor, r.value, r.time);
  std::sort(got_late.begin(), got_late.end());
  std::sort(expected_late.begin(), expected_late.end());
  BOOST_CHECK(got_late == expected_late);
  BOOST_CHECK_GT(expected_late.size(), 100u); // the input has late readings
}

// get_side_output checks its tag when the job is defined: an operator
// without that side output, or a tag of another record type, is refused
// naming the tag; an empty tag id is refused.
BOOST_AUTO_TEST_CASE(get_side_output_refuses_unknown_tags) {
  auto message_of = [](auto&& f) -> std::string {
    try {
      f();
    } catch (const sluice::exception& e) {
      return std::string{to_string(e.code())} + ": " + e.what();
    }
    return "no error";
  };
  environment env;
  auto keyed = env.from_collection(out_of_order(10, 1))
                 .assign_timestamps_and_watermarks(by_time())
                 .key_by([](const reading& r) { return r.sensor; });
  auto plain = keyed.window(tumbling_event_time_windows::of(1s)).reduce(sum_readings);
  output_tag<reading> late{"late"};
  auto msg = message_of([&] { plain.get_side_output(late); });
  BOOST_CHECK_MESSAGE(msg.find("has no side output 'late'") != std::string::npos, msg);
  auto with = keyed.window(tumbling_event_time_windows::of(1s))
                .side_output_late_data(late)
                .reduce(sum_readings);
  msg = message_of([&] { with.get_side_output(output_tag<int>{"late"}); });
  BOOST_CHECK_MESSAGE(msg.find("side output 'late'") != std::string::npos
                        && msg.find("another record type") != std::string::npos,
                      msg);
  msg = message_of([] { output_tag<reading>{""}; });
  BOOST_CHECK_MESSAGE(msg.find("non-empty id") != std::string::npos, msg);
}

BOOST_AUTO_TEST_SUITE_END()
