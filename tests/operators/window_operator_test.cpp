// The window operator (operators/windows/window_operator.hpp) driven
// directly, without actors, through a fake operator_context, on both state
// backends: every time window assigner (tumbling, sliding, session; event
// and processing time) and every function (reduce, aggregate, process)
// against a reference computation (window_reference.hpp), with
// out-of-order and late input; allowed lateness and cleanup; the late-data
// side output; result timestamps. Count windows and custom triggers:
// window_count_trigger_test.cpp.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <map>
#include <random>
#include <vector>

#include "tests/operators/window_reference.hpp"

using namespace sluice;
using namespace sluice::window_test;
using namespace std::chrono_literals;

namespace {

auto event_trigger() {
  return std::make_shared<event_time_trigger<time_window>>();
}

auto processing_trigger() {
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
  // After the end-of-input watermark every window is cleaned up.
  auto& state = h.backend();
  auto& windows = state.get_state(
    map_state_descriptor<time_window, typename Op::acc_type>{"window-contents"});
  auto& timers = state.get_state(
    value_state_descriptor<key_timers<int32_t, time_window>>{"window-timers"});
  auto& merging = state.get_state(
    value_state_descriptor<std::vector<std::pair<time_window, time_window>>>{"window-merging"});
  for (int32_t key = 0; key < 3; ++key) {
    BOOST_REQUIRE(state.set_current_key_of(key));
    BOOST_CHECK(windows.is_empty() && !timers.value() && !merging.value());
  }
}

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
template <class Assigner>
void check_event_time(state_backend_kind kind, Assigner a, spec sp, uint32_t seed,
                      coverage& cov) {
  BOOST_TEST_CONTEXT("shape " << int(sp.kind) << ", lateness " << sp.lateness << ", seed "
                              << seed) {
    auto steps = random_event_steps(seed, 120, 3, 3 * sp.size);
    {
      using contents = reduce_contents<ev, sum_ev>;
      reference ref{sp, true};
      auto h = make_harness<contents>(kind, a, event_trigger(), sp.lateness);
      compare_run(h, ref, steps, true);
      cov.add(ref);
    }
    {
      using contents = aggregate_contents<ev, average>;
      reference ref{sp, true};
      auto h = make_harness<contents>(kind, a, event_trigger(), sp.lateness);
      compare_run(h, ref, steps, true);
    }
    {
      using contents = process_contents<ev, stats_fn<time_window>>;
      reference ref{sp, true};
      auto h = make_harness<contents>(kind, a, event_trigger(), sp.lateness);
      compare_run(h, ref, steps, false);
    }
    { // reduce with a window function: the sum, and the window it belongs to
      using contents = with_window_function<reduce_contents<ev, sum_ev>, stats_fn<time_window>>;
      reference ref{sp, true};
      auto h = make_harness<contents>(kind, a, event_trigger(), sp.lateness);
      compare_run(h, ref, steps, false);
    }
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
      check_event_time(kind, tumbling_event_time_windows::of(100ms),
                       {shape::tumbling, 100, 0, 0, lateness}, seed, cov);
      check_event_time(kind, sliding_event_time_windows::of(100ms, 30ms),
                       {shape::sliding, 100, 30, 0, lateness}, seed, cov);
      check_event_time(kind, event_time_session_windows::with_gap(20ms),
                       {shape::session, 100, 0, 20, lateness}, seed, cov);
    }
  BOOST_TEST_MESSAGE("results " << cov.fires << ", late fires " << cov.late_fires << ", dropped "
                                << cov.dropped);
  BOOST_CHECK_GT(cov.fires, 1000u);
  BOOST_CHECK_GT(cov.late_fires, 20u);
  BOOST_CHECK_GT(cov.dropped, 20u);
}

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
  auto& state = h.backend();
  auto& windows = state.get_state(map_state_descriptor<time_window, ev>{"window-contents"});
  auto& timers = state.get_state(
    value_state_descriptor<key_timers<int32_t, time_window>>{"window-timers"});
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

// 3. Processing-time windows on a fake clock: a window fires when
// on_processing_time(now >= end - 1) is called, and the operator asks for
// exactly the end - 1 of its earliest window.
BOOST_DATA_TEST_CASE(processing_time_tumbling_fires_on_the_clock, SLUICE_BACKENDS, kind) {
  using contents = reduce_contents<ev, sum_ev>;
  auto h = make_harness<contents>(kind, tumbling_processing_time_windows::of(100ms),
                                  processing_trigger());
  using reqs = std::vector<timestamp>;
  BOOST_CHECK(h.ctx.requests.empty());
  h.ctx.clock = 1000;
  h.feed({{1, 1}, {2, 2}}, {5, 5}); // timestamps are ignored
  BOOST_CHECK(h.ctx.requests == (reqs{1099}));
  h.ctx.clock = 1150;
  h.feed({{1, 4}}); // no timestamps needed
  BOOST_CHECK(h.ctx.requests == (reqs{1099, 1099}));
  h.processing_time(1098); // early call: nothing fires, asks again
  BOOST_CHECK(h.take().empty());
  BOOST_CHECK(h.ctx.requests == (reqs{1099, 1099, 1099}));
  h.processing_time(1120);
  BOOST_CHECK(h.take_fired() == (std::vector<fired>{{1, 0, 1100, 1, 1}, {2, 0, 1100, 1, 2}}));
  BOOST_CHECK(h.ctx.requests == (reqs{1099, 1099, 1099, 1199}));
  h.processing_time(1199);
  BOOST_CHECK(h.take_fired() == (std::vector<fired>{{1, 0, 1200, 1, 4}}));
  BOOST_CHECK_EQUAL(h.ctx.requests.size(), 4u); // nothing left to ask for
}

namespace {

/// Drives processing-time windows like the host: the clock advances, the
/// host calls back once it reached the earliest request (before or after
/// the next batch), and every request must be the reference's earliest
/// window end - 1.
template <class Op>
void run_processing(harness<Op>& h, reference& ref, uint32_t seed, bool without_start) {
  std::mt19937 rng{seed};
  timestamp clock = 1000;
  std::optional<timestamp> pending;
  size_t i = 0;
  auto check = [&](const step& s, size_t before) {
    auto want = ref.apply(s);
    if (without_start)
      want = window_test::without_start(std::move(want));
    same_results(i++, h.take_fired(), want);
    auto& r = h.ctx.requests;
    if (auto next = ref.next_end()) {
      BOOST_REQUIRE_GT(r.size(), before);
      BOOST_CHECK_EQUAL(r.back(), *next);
    } else {
      BOOST_CHECK_EQUAL(r.size(), before);
    }
    for (auto j = before; j < r.size(); ++j)
      pending = std::min(pending.value_or(max_timestamp), r[j]);
  };
  auto callback = [&] {
    if (!pending || clock < *pending)
      return;
    pending.reset();
    step s{step::processing, clock, {}, {}};
    auto before = h.ctx.requests.size();
    run_step(h, s);
    check(s, before);
  };
  for (int n = 0; n < 150; ++n) {
    clock += rng() % 30;
    bool callback_first = rng() % 2 == 0;
    if (callback_first)
      callback();
    step s{step::records, clock, {}, {}};
    for (auto len = 1 + rng() % 4; len > 0; --len)
      s.xs.push_back({static_cast<int32_t>(rng() % 3), 1 + static_cast<int64_t>(rng() % 100)});
    auto before = h.ctx.requests.size();
    run_step(h, s);
    check(s, before);
    if (!callback_first)
      callback();
  }
  while (pending) {
    clock = std::max(clock, *pending);
    callback();
  }
  BOOST_CHECK(ref.empty());
}

template <class Assigner>
void check_processing_time(state_backend_kind kind, Assigner a, spec sp) {
  for (uint32_t seed : {11u, 12u, 13u}) {
    BOOST_TEST_CONTEXT("shape " << int(sp.kind) << ", seed " << seed) {
      {
        using contents = reduce_contents<ev, sum_ev>;
        reference ref{sp, false};
        auto h = make_harness<contents>(kind, a, processing_trigger());
        run_processing(h, ref, seed, true);
        BOOST_CHECK_GT(ref.fires(), 50u);
      }
      {
        using contents = process_contents<ev, stats_fn<time_window>>;
        reference ref{sp, false};
        auto h = make_harness<contents>(kind, a, processing_trigger());
        run_processing(h, ref, seed, false);
      }
    }
  }
}

} // namespace

// Tumbling, sliding and session processing-time windows with reduce and
// process against the reference, the host calling back late or early.
BOOST_DATA_TEST_CASE(processing_time_windows_match_the_reference, SLUICE_BACKENDS, kind) {
  check_processing_time(kind, tumbling_processing_time_windows::of(100ms),
                        {shape::tumbling, 100, 0, 0, 0});
  check_processing_time(kind, sliding_processing_time_windows::of(100ms, 30ms),
                        {shape::sliding, 100, 30, 0, 0});
  check_processing_time(kind, processing_time_session_windows::with_gap(20ms),
                        {shape::session, 100, 0, 20, 0});
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
