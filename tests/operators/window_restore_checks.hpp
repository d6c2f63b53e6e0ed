// The event-time restore check of the window operator unit tests
// (window_operator_restore_test.cpp, window_operator_rescale_test.cpp):
// random event-time input run on an uninterrupted operator and on one
// restored from snapshots (or split over two backends: a rescale), whose
// results must equal the uninterrupted run's and the reference's
// (window_reference.hpp). The runs with a process function, which both
// units check, are declared here and defined in
// window_operator_restore_test.cpp, so that they are compiled once.
#pragma once

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "snapshot/key_groups.hpp"
#include "tests/operators/window_reference.hpp"

namespace sluice::window_test {

/// The first watermark step at or after `i` (restores happen right before
/// one: a restored host starts at watermark min_timestamp until the next
/// watermark arrives, as in Flink).
inline size_t watermark_at_or_after(const std::vector<step>& steps, size_t i) {
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

/// check_restore of `Contents` on tumbling, sliding and session windows.
template <class Contents>
void check_restore_all(state_backend_kind kind, bool rescale) {
  using namespace std::chrono_literals;
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

/// check_restore_all of process_contents<ev, stats_fn<time_window>>
/// (defined in window_operator_restore_test.cpp).
void check_restore_process(state_backend_kind kind, bool rescale);

} // namespace sluice::window_test
