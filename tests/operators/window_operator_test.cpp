// The window operator (operators/windows/window_operator.hpp) driven
// directly, without actors, through a fake operator_context, on both state
// backends: the event-time window assigners (tumbling, sliding, session)
// with every function (reduce, aggregate, process, reduce with a window
// function) against a reference computation (window_reference.hpp), with
// out-of-order and late input; result timestamps. Allowed lateness and the
// late-data side output: window_lateness_test.cpp; processing-time
// windows: window_processing_time_test.cpp; count windows and custom
// triggers: window_count_trigger_test.cpp. The event-time runs of
// aggregate and process are defined here, those of reduce in
// window_lateness_test.cpp (window_operator_checks.hpp).
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <vector>

#include "tests/operators/window_operator_checks.hpp"

using namespace sluice;
using namespace sluice::window_test;
using namespace std::chrono_literals;

namespace sluice::window_test {

reference event_time_aggregate(state_backend_kind kind, const spec& sp,
                               const std::vector<step>& steps) {
  return run_event_time<aggregate_contents<ev, average>>(kind, sp, steps, true);
}

reference event_time_process(state_backend_kind kind, const spec& sp,
                             const std::vector<step>& steps) {
  return run_event_time<process_contents<ev, stats_fn<time_window>>>(kind, sp, steps, false);
}

} // namespace sluice::window_test

namespace {

struct coverage {
  uint64_t fires = 0, late_fires = 0, dropped = 0;
  void add(const reference& r) {
    fires += r.fires();
    late_fires += r.late_fires();
    dropped += r.dropped();
  }
};

/// One assigner with reduce, aggregate, process and reduce with a window
/// function, event time.
void check_event_time(state_backend_kind kind, spec sp, uint32_t seed, coverage& cov) {
  BOOST_TEST_CONTEXT("shape " << int(sp.kind) << ", lateness " << sp.lateness << ", seed "
                              << seed) {
    auto steps = random_event_steps(seed, 120, 3, 3 * sp.size);
    cov.add(event_time_reduce(kind, sp, steps));
    event_time_aggregate(kind, sp, steps);
    event_time_process(kind, sp, steps);
    event_time_reduce_with_window_function(kind, sp, steps);
  }
}

} // namespace

BOOST_AUTO_TEST_SUITE(window_operator_suite)

// 1. Tumbling, sliding and session event-time windows with reduce,
// aggregate and process: out-of-order input, late data, watermarks in
// steps; every step's results (key, window, count, sum, timestamp) and the
// dropped count equal the reference; the input does exercise late fires
// and drops.
BOOST_DATA_TEST_CASE(event_time_windows_match_the_reference, SLUICE_BACKENDS, kind) {
  coverage cov;
  for (int64_t lateness : {0, 80})
    for (uint32_t seed : {1u, 2u, 3u, 4u}) {
      check_event_time(kind, {shape::tumbling, 100, 0, 0, lateness}, seed, cov);
      check_event_time(kind, {shape::sliding, 100, 30, 0, lateness}, seed, cov);
      check_event_time(kind, {shape::session, 100, 0, 20, lateness}, seed, cov);
    }
  BOOST_TEST_MESSAGE("results " << cov.fires << ", late fires " << cov.late_fires << ", dropped "
                                << cov.dropped);
  BOOST_CHECK_GT(cov.fires, 1000u);
  BOOST_CHECK_GT(cov.late_fires, 20u);
  BOOST_CHECK_GT(cov.dropped, 20u);
}

// 6. Results carry their window's max timestamp; a process function sees
// the window and the current watermark.
BOOST_DATA_TEST_CASE(results_carry_the_window_max_timestamp, SLUICE_BACKENDS, kind) {
  using contents = process_contents<ev, stats_fn<time_window>>;
  auto h = make_harness<contents>(kind, tumbling_event_time_windows::of(10ms), event_trigger());
  h.feed({{1, 3}, {1, 4}, {2, 5}}, {3, 7, 12});
  h.watermark(9);
  auto got = h.take();
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  auto& [x, ts] = got[0];
  BOOST_CHECK_EQUAL(ts, 9);
  BOOST_CHECK(x.key == 1 && x.start == 0 && x.end == 10 && x.watermark == 9);
  BOOST_CHECK(x.values == (std::vector<int64_t>{3, 4}));
  h.watermark(max_timestamp); // end of input fires the rest
  got = h.take();
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_CHECK_EQUAL(got[0].second, 19);
  BOOST_CHECK(got[0].first.key == 2 && got[0].first.start == 10 && got[0].first.end == 20);
  BOOST_CHECK_EQUAL(got[0].first.watermark, max_timestamp);
}

BOOST_AUTO_TEST_SUITE_END()
