// The window operator (operators/windows/window_operator.hpp) driven
// directly, without actors, through a fake operator_context, on both state
// backends: every assigner (tumbling, sliding, session; event and
// processing time; count windows; global windows with custom triggers) and
// every function (reduce, aggregate, process) against a reference
// computation (window_test_util.hpp), with out-of-order and late input;
// allowed lateness and cleanup; result timestamps.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <map>
#include <random>
#include <vector>

#include "tests/operators/window_test_util.hpp"

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

/// One assigner with reduce, aggregate and process, event time.
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

namespace {

/// Count windows against the reference (Flink's countWindow(size, slide):
/// every `slide`-th element of a key emits its last `size` elements; a
/// tumbling one has size == slide), results in input order.
template <class Op>
void check_count(harness<Op>& h, size_t size, size_t slide, bool values, uint32_t seed) {
  std::mt19937 rng{seed};
  std::map<int32_t, std::vector<int64_t>> seen;
  size_t fires = 0;
  for (int n = 0; n < 100; ++n) {
    std::vector<ev> xs;
    std::vector<count_result> want;
    for (auto len = 1 + rng() % 7; len > 0; --len) {
      ev x{static_cast<int32_t>(rng() % 3), 1 + static_cast<int64_t>(rng() % 100)};
      xs.push_back(x);
      auto& vs = seen[x.key];
      vs.push_back(x.value);
      if (vs.size() % slide == 0) {
        std::vector<int64_t> last(vs.end() - static_cast<long>(std::min(size, vs.size())),
                                  vs.end());
        int64_t sum = 0;
        for (auto v : last)
          sum += v;
        want.push_back({x.key, static_cast<int64_t>(last.size()), sum,
                        values ? last : std::vector<int64_t>{}});
      }
    }
    fires += want.size();
    h.feed(xs); // count windows need no timestamps
    BOOST_REQUIRE_MESSAGE(take_counts(h) == want, "step " << n);
  }
  BOOST_CHECK_GT(fires, 20u);
}

} // namespace

// 4. Tumbling count windows (purging count trigger on global windows, as
// keyed_stream::count_window(n)) and sliding ones (count trigger of
// `slide`, evictor keeping the last `size`, as count_window(size, slide)),
// with reduce and process.
BOOST_DATA_TEST_CASE(count_windows_match_the_reference, SLUICE_BACKENDS, kind) {
  using W = global_window;
  auto tumbling = [](int64_t n) -> trigger_ptr<W> {
    return purging_trigger<W>::of(count_trigger<W>::of(n));
  };
  for (uint32_t seed : {21u, 22u, 23u}) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      {
        using contents = reduce_contents<ev, sum_ev>;
        auto h = make_harness<contents>(kind, global_windows{}, tumbling(3));
        check_count(h, 3, 3, false, seed);
      }
      {
        using contents = process_contents<ev, stats_fn<W>>;
        auto h = make_harness<contents>(kind, global_windows{}, tumbling(4));
        check_count(h, 4, 4, true, seed);
      }
      {
        using contents = process_contents<ev, stats_fn<W>>;
        auto h = make_harness<contents>(kind, global_windows{}, count_trigger<W>::of(2), 0,
                                        contents{stats_fn<W>{}, 5});
        check_count(h, 5, 2, true, seed);
      }
      {
        using fn = reduce_all<int32_t, ev, W, sum_ev>;
        using contents = process_contents<ev, fn>;
        auto h = make_harness<contents>(kind, global_windows{}, count_trigger<W>::of(4), 0,
                                        contents{fn{sum_ev{}}, 3});
        check_count(h, 3, 4, false, seed);
      }
    }
  }
}

namespace {

/// A custom trigger: a key's global window fires and purges once the
/// watermark reaches the watermark at its first element plus `span` (the
/// trigger's value holds that deadline, an event-time timer fires it).
class deadline_trigger final : public window_trigger<global_window> {
public:
  explicit deadline_trigger(int64_t span) : span_(span) {
  }
  trigger_result on_element(timestamp, const global_window&,
                            trigger_context& ctx) const override {
    if (!ctx.value()) {
      auto deadline = ctx.current_watermark() + span_;
      ctx.set_value(deadline);
      ctx.register_event_time_timer(deadline);
    }
    return trigger_result::continue_;
  }
  trigger_result on_event_time(timestamp t, const global_window&,
                               trigger_context& ctx) const override {
    if (ctx.value() != t)
      return trigger_result::continue_;
    ctx.clear_value();
    return trigger_result::fire_and_purge;
  }
  trigger_result on_processing_time(timestamp, const global_window&,
                                    trigger_context&) const override {
    return trigger_result::continue_;
  }
  void clear(const global_window&, trigger_context& ctx) const override {
    if (auto d = ctx.value())
      ctx.delete_event_time_timer(*d);
    ctx.clear_value();
  }

private:
  int64_t span_;
};

/// A custom trigger on the element timestamps: fires and purges once an
/// element's timestamp is `span` or more past the first one's (the value).
class timestamp_span_trigger final : public window_trigger<global_window> {
public:
  explicit timestamp_span_trigger(int64_t span) : span_(span) {
  }
  trigger_result on_element(timestamp ts, const global_window&,
                            trigger_context& ctx) const override {
    auto first = ctx.value();
    if (!first) {
      ctx.set_value(ts);
      return trigger_result::continue_;
    }
    if (ts < *first + span_)
      return trigger_result::continue_;
    ctx.clear_value();
    return trigger_result::fire_and_purge;
  }
  trigger_result on_event_time(timestamp, const global_window&, trigger_context&) const override {
    return trigger_result::continue_;
  }
  trigger_result on_processing_time(timestamp, const global_window&,
                                    trigger_context&) const override {
    return trigger_result::continue_;
  }
  void clear(const global_window&, trigger_context& ctx) const override {
    ctx.clear_value();
  }

private:
  int64_t span_;
};

} // namespace

// 5. Global windows with a custom trigger (value state, event-time timers,
// fire-and-purge) against the reference: a key's batch opened at
// watermark w fires with its elements once the watermark reaches w + 50.
BOOST_DATA_TEST_CASE(global_windows_with_a_custom_trigger, SLUICE_BACKENDS, kind) {
  using W = global_window;
  using contents = process_contents<ev, stats_fn<W>>;
  auto h = make_harness<contents>(kind, global_windows{}, std::make_shared<deadline_trigger>(50));
  std::mt19937 rng{31};
  struct open_batch {
    timestamp deadline;
    std::vector<int64_t> values;
  };
  std::map<int32_t, open_batch> open;
  timestamp wm = 0;
  h.watermark(wm);
  size_t fires = 0;
  for (int n = 0; n < 200; ++n) {
    std::vector<ev> xs;
    for (auto len = rng() % 4; len > 0; --len) {
      ev x{static_cast<int32_t>(rng() % 4), 1 + static_cast<int64_t>(rng() % 100)};
      xs.push_back(x);
      open.try_emplace(x.key, open_batch{wm + 50, {}}).first->second.values.push_back(x.value);
    }
    if (!xs.empty())
      h.feed(xs);
    BOOST_REQUIRE(h.take().empty());
    wm += rng() % 40;
    std::vector<count_result> want;
    for (auto it = open.begin(); it != open.end();) {
      if (it->second.deadline > wm) {
        ++it;
        continue;
      }
      int64_t sum = 0;
      for (auto v : it->second.values)
        sum += v;
      want.push_back({it->first, static_cast<int64_t>(it->second.values.size()), sum,
                      it->second.values});
      it = open.erase(it);
    }
    h.watermark(wm);
    auto got = take_counts(h);
    std::sort(got.begin(), got.end());
    fires += want.size();
    BOOST_REQUIRE_MESSAGE(got == want, "step " << n);
  }
  BOOST_CHECK_GT(fires, 50u);
}

// A trigger's on_element gets the element's timestamp whatever the
// assigner (Flink's Trigger.onElement(element, element.getTimestamp(),
// ...)), also on global and processing-time windows, so a custom trigger on
// global windows can use event time. Key 1's batch must fire at the
// element with timestamp 35 (>= 10 + 20).
BOOST_DATA_TEST_CASE(custom_trigger_sees_the_element_timestamp, SLUICE_BACKENDS, kind) {
  using W = global_window;
  using contents = process_contents<ev, stats_fn<W>>;
  auto h = make_harness<contents>(kind, global_windows{},
                                  std::make_shared<timestamp_span_trigger>(20));
  h.ctx.clock = 5; // the processing time differs from every element timestamp
  h.feed({{1, 1}, {1, 2}, {2, 9}, {1, 3}, {1, 4}}, {10, 20, 15, 35, 40});
  BOOST_CHECK_MESSAGE(take_counts(h) == (std::vector<count_result>{{1, 3, 6, {1, 2, 3}}}),
                      "a trigger on global windows got the processing time, not the element "
                      "timestamp");
}

BOOST_AUTO_TEST_SUITE_END()
