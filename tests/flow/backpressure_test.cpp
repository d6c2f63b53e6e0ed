// Backpressure end to end: a throttled sink slows the sources down, no input
// queue ever holds more than the credit window (counted, not timed), and
// nothing is lost. With credits switched off (the C++ test switch) the
// queues grow: the checks below can fail. The resident-set measurement of
// an overload run is in the `timing` suite (backpressure_rss_test.cpp).
#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>

#include "tests/flow/overload_job.hpp"

using namespace sluice;

namespace backpressure_test {

using namespace sluice::testing;
using namespace std::chrono_literals;

namespace {

overload_options small_overload(bool credit_based) {
  overload_options o;
  o.records = 40 * 256;
  o.sources = 2;
  o.sinks = 2;
  o.batch_size = 256;
  o.sink_delay = 1ms;
  o.credit_based = credit_based;
  return o;
}

uint64_t peak_sink_queue(const job_result& r) {
  uint64_t peak = 0;
  for (auto& m : r.subtasks)
    if (m.task == "throttled-sink")
      peak = std::max(peak, m.peak_input_queue);
  return peak;
}

} // namespace

BOOST_AUTO_TEST_SUITE(backpressure_suite)

BOOST_AUTO_TEST_CASE(input_queues_never_exceed_the_credit_window) {
  auto o = small_overload(true);
  auto out = run_overload(o);
  BOOST_REQUIRE(out.result.status == job_status::finished);
  BOOST_CHECK_EQUAL(out.received, o.records * o.sources);
  auto window = default_pipeline_config().buffers_per_channel;
  BOOST_REQUIRE_EQUAL(out.result.subtasks.size(), o.sources + o.sinks);
  for (auto& m : out.result.subtasks) {
    BOOST_TEST_MESSAGE(m.task << " " << m.subtask_index << ": peak input queue "
                              << m.peak_input_queue << ", peak output queue "
                              << m.peak_output_queue << ", backpressured "
                              << m.backpressured);
    BOOST_CHECK_LE(m.peak_input_queue, window);
  }
  // The sink was the bottleneck: its queues filled up to the window and the
  // sources had to wait for credit.
  BOOST_CHECK_EQUAL(peak_sink_queue(out.result), window);
  uint64_t source_waits = 0;
  for (auto& m : out.result.subtasks)
    if (m.task == "counting-source")
      source_waits += m.backpressured;
  BOOST_CHECK_GT(source_waits, 0u);
}

BOOST_AUTO_TEST_CASE(without_credits_the_queues_grow_past_the_window) {
  auto o = small_overload(false);
  auto out = run_overload(o);
  BOOST_REQUIRE(out.result.status == job_status::finished);
  BOOST_CHECK_EQUAL(out.received, o.records * o.sources);
  auto window = default_pipeline_config().buffers_per_channel;
  BOOST_CHECK_GT(peak_sink_queue(out.result), 4 * window);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace backpressure_test
