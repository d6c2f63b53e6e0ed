// Late data at the window operator (operators/windows/window_operator.hpp),
// driven directly without actors through a fake operator_context on both
// state backends: allowed lateness (late elements fire their window again,
// then the window's state is cleaned up), elements in the gaps of sliding
// windows, and the late-data side output against the reference
// (window_reference.hpp) for tumbling, sliding and session windows. Also
// defines the event-time reduce runs of window_operator_test.cpp's
// reference check (window_operator_checks.hpp): they reduce as these
// tests do.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <utility>
#include <vector>

#include "tests/operators/window_operator_checks.hpp"

using namespace sluice;
using namespace sluice::window_test;
using namespace std::chrono_literals;

namespace sluice::window_test {

reference event_time_reduce(state_backend_kind kind, const spec& sp,
                            const std::vector<step>& steps) {
  return run_event_time<reduce_contents<ev, sum_ev>>(kind, sp, steps, true);
}

reference event_time_reduce_with_window_function(state_backend_kind kind, const spec& sp,
                                                 const std::vector<step>& steps) {
  using contents = with_window_function<reduce_contents<ev, sum_ev>, stats_fn<time_window>>;
  return run_event_time<contents>(kind, sp, steps, false);
}

} // namespace sluice::window_test

BOOST_AUTO_TEST_SUITE(window_operator_suite)

// 2. Allowed lateness: a late element within it fires its window again
// with the updated contents; at end + lateness the window's state is gone
// (contents, timers) and a later element of it is dropped and counted.
BOOST_DATA_TEST_CASE(allowed_lateness_refires_then_cleans_up, SLUICE_BACKENDS, kind) {
  using contents = reduce_contents<ev, sum_ev>;
  auto h = make_harness<contents>(kind, tumbling_event_time_windows::of(10ms), event_trigger(), 5);
  using result = std::vector<std::pair<ev, timestamp>>;
  h.feed({{1, 1}, {1, 2}, {2, 7}}, {1, 5, 12});
  BOOST_CHECK(h.take().empty());
  h.watermark(9);
  BOOST_CHECK(h.take() == (result{{{1, 3, 2}, 9}}));
  h.feed({{1, 10}}, {4}); // late, within lateness: fires again at once
  BOOST_CHECK(h.take() == (result{{{1, 13, 3}, 9}}));
  h.watermark(13);
  BOOST_CHECK(h.take().empty());
  h.feed({{1, 100}}, {0});
  BOOST_CHECK(h.take() == (result{{{1, 113, 4}, 9}}));
  BOOST_CHECK_EQUAL(h.op->late_records_dropped(), 0u);
  h.watermark(14); // cleanup time of [0, 10): 9 + 5
  BOOST_CHECK(h.take().empty());
  auto& state = h.backend(); // the operator's states, registered without time-to-live
  auto& windows
    = state.get_state(map_state_descriptor<time_window, ev>{"window-contents"}, no_ttl);
  auto& timers = state.get_state(
    value_state_descriptor<key_timers<int32_t, time_window>>{"window-timers"}, no_ttl);
  BOOST_REQUIRE(state.set_current_key_of(int32_t{1}));
  BOOST_CHECK(windows.is_empty());
  BOOST_CHECK(!timers.value().has_value());
  BOOST_REQUIRE(state.set_current_key_of(int32_t{2}));
  BOOST_CHECK_EQUAL(windows.count(), 1u); // [10, 20) still in flight
  h.feed({{1, 1000}, {1, 5}}, {8, 10}); // [0, 10) is gone: dropped; [10, 20) is new
  BOOST_CHECK(h.take().empty());
  BOOST_CHECK_EQUAL(h.op->late_records_dropped(), 1u);
  h.watermark(19);
  auto got = h.take_fired();
  BOOST_CHECK(got == (std::vector<fired>{{1, 0, 20, 1, 5}, {2, 0, 20, 1, 7}}));
}

// An element in a gap of a sliding window with slide > size has no window:
// it is late (dropped and counted) only if ts + lateness <= watermark, as in
// Flink; before the first watermark (min_timestamp) it is not late (a
// regression test: `current_watermark() - lateness` overflowed there).
BOOST_DATA_TEST_CASE(elements_in_sliding_gaps_are_late_only_behind_the_watermark,
                     SLUICE_BACKENDS, kind) {
  using contents = reduce_contents<ev, sum_ev>;
  auto h
    = make_harness<contents>(kind, sliding_event_time_windows::of(5ms, 10ms), event_trigger(), 3);
  h.feed({{1, 1}}, {7}); // in the gap [5, 10), watermark min_timestamp
  BOOST_CHECK_EQUAL(h.op->late_records_dropped(), 0u);
  h.watermark(100);
  h.feed({{1, 1}, {1, 1}, {1, 2}}, {7, 107, 101}); // late; gap, not late; window [100, 105)
  BOOST_CHECK_EQUAL(h.op->late_records_dropped(), 1u);
  h.watermark(104);
  BOOST_CHECK(h.take_fired() == (std::vector<fired>{{1, 0, 105, 1, 2}}));
}

// 2b. The late-data side output (Flink's sideOutputLateData): every element
// the reference drops as late arrives on the side output, with its
// timestamp and in input order, and nothing is counted as dropped; the
// main results are unchanged. Tumbling, sliding and session windows.
template <class Assigner>
size_t check_late_side_output(state_backend_kind kind, Assigner a, spec sp, uint32_t seed) {
  using contents = reduce_contents<ev, sum_ev>;
  reference ref{sp, true};
  auto h = make_harness<contents>(kind, a, event_trigger(), sp.lateness, contents{}, "late");
  auto steps = random_event_steps(seed, 120, 3, 3 * sp.size);
  for (size_t i = 0; i < steps.size(); ++i) {
    run_step(h, steps[i]);
    if (!same_results(i, h.take_fired(), without_start(ref.apply(steps[i]))))
      break;
  }
  std::vector<std::pair<ev, timestamp>> late;
  for (auto& b : h.ctx.side["late"]) {
    auto& xs = records_of<ev>(*b);
    BOOST_REQUIRE_EQUAL(b->timestamps().size(), xs.size());
    for (size_t i = 0; i < xs.size(); ++i)
      late.emplace_back(xs[i], b->timestamps()[i]);
  }
  BOOST_CHECK(late == ref.late());
  BOOST_CHECK_EQUAL(h.ctx.side.size(), 1u); // no other tag
  BOOST_CHECK_EQUAL(h.op->late_records_dropped(), 0u);
  return late.size();
}

BOOST_DATA_TEST_CASE(late_elements_go_to_the_side_output, SLUICE_BACKENDS, kind) {
  size_t late = 0;
  for (int64_t lateness : {0, 80})
    for (uint32_t seed : {5u, 6u}) {
      BOOST_TEST_CONTEXT("lateness " << lateness << ", seed " << seed) {
        late += check_late_side_output(kind, tumbling_event_time_windows::of(100ms),
                                       {shape::tumbling, 100, 0, 0, lateness}, seed);
        late += check_late_side_output(kind, sliding_event_time_windows::of(100ms, 30ms),
                                       {shape::sliding, 100, 30, 0, lateness}, seed);
        late += check_late_side_output(kind, event_time_session_windows::with_gap(20ms),
                                       {shape::session, 100, 0, 20, lateness}, seed);
      }
    }
  BOOST_CHECK_GT(late, 20u); // the input does have late elements
}

BOOST_AUTO_TEST_SUITE_END()
