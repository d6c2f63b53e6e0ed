// Window state across a snapshot and restore (issue 8): the window
// operator's keyed state (contents, trigger values, timers, session
// mappings) snapshotted mid-stream, written to a state file image, restored
// into a fresh backend (or split over two backends of half the key groups
// each: a rescale) and a fresh operator, whose results from then on equal
// an uninterrupted run's and the reference's. Both backends.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <vector>

#include "snapshot/key_groups.hpp"
#include "tests/operators/window_reference.hpp"

using namespace sluice;
using namespace sluice::window_test;
using namespace std::chrono_literals;

namespace {

/// The first watermark step at or after `i` (restores happen right before
/// one: a restored host starts at watermark min_timestamp until the next
/// watermark arrives, as in Flink).
size_t watermark_at_or_after(const std::vector<step>& steps, size_t i) {
  while (steps[i].kind != step::watermark)
    ++i;
  return i;
}

/// Runs `steps` on an uninterrupted operator and on one restored from a
/// snapshot at each of two points (chained: ids 1 and 2), or, with
/// `rescale`, split at one point into two operators owning key groups
/// 0..63 and 64..127; every step's results equal the uninterrupted run's
/// and the reference's.
template <class Contents, class Assigner>
void check_restore(state_backend_kind kind, Assigner a, spec sp, uint32_t seed, bool rescale) {
  using op = op_of<Assigner, Contents>;
  auto make_op = [&] {
    return std::make_unique<op>(a, std::make_shared<event_time_trigger<time_window>>(),
                                sp.lateness, Contents{}, key_of{});
  };
  constexpr bool see_start = std::is_same_v<typename Contents::output_type, win_stat>;
  auto steps = random_event_steps(seed, 120, 8, 3 * sp.size);
  auto split1 = watermark_at_or_after(steps, steps.size() / 3);
  auto split2 = watermark_at_or_after(steps, 2 * steps.size() / 3);
  reference ref{sp, true};
  harness whole{make_backend(kind), make_op()};
  std::vector<std::unique_ptr<harness<op>>> parts;
  parts.push_back(std::make_unique<harness<op>>(make_backend(kind), make_op()));
  uint64_t dropped_before = 0;
  size_t outputs_after_restore[2] = {0, 0};
  for (size_t i = 0; i < steps.size(); ++i) {
    if (i == split1 || (i == split2 && !rescale)) {
      for (auto& p : parts)
        dropped_before += p->op->late_records_dropped();
      auto& old = parts.front()->backend();
      std::vector<std::unique_ptr<harness<op>>> next;
      auto file = snapshot_file(old, i);
      if (rescale) {
        next.push_back(std::make_unique<harness<op>>(restore_backend(file, {0, 63}, kind),
                                                     make_op()));
        next.push_back(std::make_unique<harness<op>>(restore_backend(file, {64, 127}, kind),
                                                     make_op()));
      } else {
        next.push_back(std::make_unique<harness<op>>(restore_backend(file, {0, 127}, kind),
                                                     make_op()));
      }
      parts = std::move(next);
    }
    const auto& s = steps[i];
    std::vector<fired> got;
    for (size_t p = 0; p < parts.size(); ++p) {
      auto& h = *parts[p];
      if (s.kind == step::records && parts.size() > 1) {
        step mine{step::records, s.time, {}, {}};
        for (size_t j = 0; j < s.xs.size(); ++j)
          if ((key_group_of(s.xs[j].key, 128) >= 64) == (p == 1)) {
            mine.xs.push_back(s.xs[j]);
            mine.ts.push_back(s.ts[j]);
          }
        if (!mine.xs.empty())
          run_step(h, mine);
      } else {
        run_step(h, s);
      }
      auto part = h.take_fired();
      if (i >= split1)
        outputs_after_restore[p] += part.size();
      got.insert(got.end(), part.begin(), part.end());
    }
    std::sort(got.begin(), got.end());
    run_step(whole, s);
    auto want = ref.apply(s);
    if (!see_start)
      want = window_test::without_start(std::move(want));
    if (!same_results(i, whole.take_fired(), want) || !same_results(i, got, want))
      break;
  }
  uint64_t dropped = dropped_before;
  for (auto& p : parts)
    dropped += p->op->late_records_dropped();
  BOOST_CHECK_EQUAL(dropped, ref.dropped());
  BOOST_CHECK_GT(outputs_after_restore[0], 0u);
  if (rescale)
    BOOST_CHECK_GT(outputs_after_restore[1], 0u);
}

template <class Contents>
void check_restore_all(state_backend_kind kind, bool rescale) {
  for (uint32_t seed : {41u, 42u}) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      check_restore<Contents>(kind, tumbling_event_time_windows::of(100ms),
                              {shape::tumbling, 100, 0, 0, 80}, seed, rescale);
      check_restore<Contents>(kind, sliding_event_time_windows::of(100ms, 30ms),
                              {shape::sliding, 100, 30, 0, 0}, seed, rescale);
      check_restore<Contents>(kind, event_time_session_windows::with_gap(20ms),
                              {shape::session, 100, 0, 20, 80}, seed, rescale);
    }
  }
}

} // namespace

BOOST_AUTO_TEST_SUITE(window_operator_suite)

// 7. Event-time windows (contents, timers, session mappings, lateness)
// survive two chained snapshot/restores: results equal an uninterrupted run.
BOOST_DATA_TEST_CASE(event_time_windows_survive_snapshot_and_restore, SLUICE_BACKENDS, kind) {
  check_restore_all<reduce_contents<ev, sum_ev>>(kind, false);
  check_restore_all<process_contents<ev, stats_fn<time_window>>>(kind, false);
}

// ... and a restore onto two subtasks of half the key groups each: the
// union of their results equals an uninterrupted run.
BOOST_DATA_TEST_CASE(event_time_windows_survive_a_rescale, SLUICE_BACKENDS, kind) {
  check_restore_all<aggregate_contents<ev, average>>(kind, true);
  check_restore_all<process_contents<ev, stats_fn<time_window>>>(kind, true);
}

// Count windows keep their trigger counts and (sliding) evicted contents
// across a restore: results equal an uninterrupted run.
BOOST_DATA_TEST_CASE(count_windows_survive_snapshot_and_restore, SLUICE_BACKENDS, kind) {
  using W = global_window;
  using contents = process_contents<ev, stats_fn<W>>;
  using op = op_of<global_windows, contents, W>;
  auto tumbling = purging_trigger<W>::of(count_trigger<W>::of(3));
  auto sliding = count_trigger<W>::of(2);
  for (auto [trigger, keep] : {std::pair<trigger_ptr<W>, size_t>{tumbling, 0}, {sliding, 5}}) {
    auto make_op = [&] {
      return std::make_unique<op>(global_windows{}, trigger, 0, contents{stats_fn<W>{}, keep},
                                  key_of{});
    };
    harness whole{make_backend(kind), make_op()};
    auto part = std::make_unique<harness<op>>(make_backend(kind), make_op());
    std::mt19937 rng{51};
    size_t fires = 0;
    for (int n = 0; n < 60; ++n) {
      if (n == 25 || n == 26 || n == 40)
        part = std::make_unique<harness<op>>(
          snapshot_and_restore(part->backend(), static_cast<uint64_t>(n)), make_op());
      std::vector<ev> xs;
      for (auto len = 1 + rng() % 5; len > 0; --len)
        xs.push_back({static_cast<int32_t>(rng() % 3), 1 + static_cast<int64_t>(rng() % 100)});
      whole.feed(xs);
      part->feed(xs);
      auto want = take_counts(whole);
      fires += want.size();
      BOOST_REQUIRE_MESSAGE(take_counts(*part) == want, "step " << n);
    }
    BOOST_CHECK_GT(fires, 20u);
  }
}

// Processing-time windows: the restored operator asks at open for its
// earliest window end - 1 (timers restored) and fires the restored
// contents on the clock.
BOOST_DATA_TEST_CASE(processing_time_windows_survive_snapshot_and_restore, SLUICE_BACKENDS,
                     kind) {
  using contents = reduce_contents<ev, sum_ev>;
  using op = op_of<tumbling_processing_time_windows, contents>;
  auto make_op = [] {
    return std::make_unique<op>(tumbling_processing_time_windows::of(100ms),
                                std::make_shared<processing_time_trigger<time_window>>(), 0,
                                contents{}, key_of{});
  };
  harness first{make_backend(kind), make_op()};
  first.ctx.clock = 1000;
  first.feed({{1, 1}, {2, 2}});
  first.ctx.clock = 1150;
  first.feed({{1, 4}});
  harness second{snapshot_and_restore(first.backend()), make_op()};
  BOOST_CHECK(second.ctx.requests == (std::vector<timestamp>{1099}));
  second.ctx.clock = 1160;
  second.feed({{2, 8}});
  second.processing_time(1100);
  BOOST_CHECK(second.take_fired()
              == (std::vector<fired>{{1, 0, 1100, 1, 1}, {2, 0, 1100, 1, 2}}));
  BOOST_CHECK_EQUAL(second.ctx.requests.back(), 1199);
  second.processing_time(1200);
  BOOST_CHECK(second.take_fired()
              == (std::vector<fired>{{1, 0, 1200, 1, 4}, {2, 0, 1200, 1, 8}}));
}

BOOST_AUTO_TEST_SUITE_END()
