// The event-time reference check of the window operator unit tests,
// shared by window_operator_test.cpp, window_lateness_test.cpp and
// window_processing_time_test.cpp: the triggers, a step-by-step comparison
// of one operator with the reference (window_reference.hpp), and the
// event-time runs of each window function. The runs are declared here and
// defined in two units (see below), so that their instantiations of the
// window operator and its keyed state are compiled once, next to the tests
// that use the same window functions.
#pragma once

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "tests/operators/window_reference.hpp"

namespace sluice::window_test {

inline auto event_trigger() {
  return std::make_shared<event_time_trigger<time_window>>();
}

inline auto processing_trigger() {
  return std::make_shared<processing_time_trigger<time_window>>();
}

/// Runs `steps` through `h` and `ref` and compares every step's results;
/// without_start: the function cannot see the window start.
template <class Op>
void compare_run(harness<Op>& h, reference& ref, const std::vector<step>& steps,
                 bool without_start) {
  for (size_t i = 0; i < steps.size(); ++i) {
    run_step(h, steps[i]);
    auto want = ref.apply(steps[i]);
    if (without_start)
      want = window_test::without_start(std::move(want));
    if (!same_results(i, h.take_fired(), want))
      break;
  }
  BOOST_CHECK_EQUAL(h.op->late_records_dropped(), ref.dropped());
  // After the end-of-input watermark every window is cleaned up. (The
  // operator's states, looked up as it registered them: no_ttl, which
  // compiles no time-to-live tables.)
  auto& state = h.backend();
  auto& windows = state.get_state(
    map_state_descriptor<time_window, typename Op::acc_type>{"window-contents"}, no_ttl);
  auto& timers = state.get_state(
    value_state_descriptor<key_timers<int32_t, time_window>>{"window-timers"}, no_ttl);
  auto& merging = state.get_state(
    value_state_descriptor<std::vector<std::pair<time_window, time_window>>>{"window-merging"},
    no_ttl);
  for (int32_t key = 0; key < 3; ++key) {
    BOOST_REQUIRE(state.set_current_key_of(key));
    BOOST_CHECK(windows.is_empty() && !timers.value() && !merging.value());
  }
}

/// One event-time run of `Contents` on the assigner `sp` describes (sizes
/// in ms), compared with the reference step by step; the reference after
/// the run (what it fired and dropped).
template <class Contents>
reference run_event_time(state_backend_kind kind, const spec& sp, const std::vector<step>& steps,
                         bool without_start) {
  using ms = std::chrono::milliseconds;
  reference ref{sp, true};
  auto run = [&](auto assigner) {
    auto h = make_harness<Contents>(kind, assigner, event_trigger(), sp.lateness);
    compare_run(h, ref, steps, without_start);
  };
  switch (sp.kind) {
    case shape::tumbling:
      run(tumbling_event_time_windows::of(ms{sp.size}));
      break;
    case shape::sliding:
      run(sliding_event_time_windows::of(ms{sp.size}, ms{sp.slide}));
      break;
    case shape::session:
      run(event_time_session_windows::with_gap(ms{sp.gap}));
      break;
  }
  return ref;
}

// run_event_time per window function. Defined in window_lateness_test.cpp
// (reduce, also with a window function: the late-data tests reduce too):
reference event_time_reduce(state_backend_kind kind, const spec& sp,
                            const std::vector<step>& steps);
/// The sum, and the window it belongs to (stats_fn as window function).
reference event_time_reduce_with_window_function(state_backend_kind kind, const spec& sp,
                                                 const std::vector<step>& steps);
// ... and in window_operator_test.cpp (aggregate, process):
reference event_time_aggregate(state_backend_kind kind, const spec& sp,
                               const std::vector<step>& steps);
reference event_time_process(state_backend_kind kind, const spec& sp,
                             const std::vector<step>& steps);

} // namespace sluice::window_test
