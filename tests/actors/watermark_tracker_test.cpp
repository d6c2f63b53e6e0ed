// watermark_tracker: min over inputs, monotonic, finished inputs release the
// minimum; idle inputs are left out, lagging inputs count once caught up.
#include "actors/subtask/watermark_tracker.hpp"

#include <boost/test/unit_test.hpp>

#include <optional>

namespace watermark_tracker_test {

namespace {

using sluice::watermark_tracker;
using ts = watermark_tracker::timestamp;

bool advanced_to(const std::optional<ts>& result, ts expected) {
  return result.has_value() && *result == expected;
}

} // namespace

BOOST_AUTO_TEST_SUITE(watermark_tracker_suite)

BOOST_AUTO_TEST_CASE(no_advance_until_every_input_reported) {
  watermark_tracker t{3};
  BOOST_CHECK_EQUAL(t.num_inputs(), 3u);
  BOOST_CHECK_EQUAL(t.current(), watermark_tracker::min_watermark);
  BOOST_CHECK(!t.update(0, 10));
  BOOST_CHECK(!t.update(2, 5));
  BOOST_CHECK_EQUAL(t.current(), watermark_tracker::min_watermark);
  BOOST_CHECK(advanced_to(t.update(1, 7), 5));
  BOOST_CHECK_EQUAL(t.current(), 5);
}

BOOST_AUTO_TEST_CASE(min_over_inputs) {
  watermark_tracker t{2};
  t.update(0, 100);
  BOOST_CHECK(advanced_to(t.update(1, 50), 50));
  BOOST_CHECK(!t.update(0, 200)); // not the minimum: no change
  BOOST_CHECK_EQUAL(t.current(), 50);
  BOOST_CHECK(advanced_to(t.update(1, 150), 150));
  BOOST_CHECK(advanced_to(t.update(1, 300), 200));
  BOOST_CHECK_EQUAL(t.channel_watermark(0), 200);
  BOOST_CHECK_EQUAL(t.channel_watermark(1), 300);
}

BOOST_AUTO_TEST_CASE(regression_ignored) {
  watermark_tracker t{2};
  t.update(0, 10);
  t.update(1, 20);
  BOOST_CHECK_EQUAL(t.current(), 10);
  BOOST_CHECK(!t.update(0, 5));  // lower than channel 0's previous one
  BOOST_CHECK(!t.update(0, 10)); // equal: nothing new
  BOOST_CHECK_EQUAL(t.channel_watermark(0), 10);
  BOOST_CHECK_EQUAL(t.current(), 10);
  // Channel 0 at 15 is above its ignored 5, so it still advances from 10.
  BOOST_CHECK(advanced_to(t.update(0, 15), 15));
}

BOOST_AUTO_TEST_CASE(finish_releases_the_minimum) {
  watermark_tracker t{3};
  t.update(0, 10);
  t.update(1, 30);
  BOOST_CHECK_EQUAL(t.current(), watermark_tracker::min_watermark); // 2 never reported
  BOOST_CHECK(advanced_to(t.finish(2), 10)); // 2 no longer holds it back
  BOOST_CHECK(!t.finish(2));
  BOOST_CHECK_EQUAL(t.current(), 10);
  BOOST_CHECK(advanced_to(t.finish(0), 30));
  BOOST_CHECK(t.is_finished(0));
  BOOST_CHECK(!t.update(0, 1000)); // a finished input is ignored
  BOOST_CHECK_EQUAL(t.current(), 30);
  BOOST_CHECK(!t.all_finished());
}

BOOST_AUTO_TEST_CASE(finish_before_reporting_counts_as_reported) {
  watermark_tracker t{2};
  BOOST_CHECK(!t.finish(0));
  BOOST_CHECK_EQUAL(t.current(), watermark_tracker::min_watermark);
  BOOST_CHECK(advanced_to(t.update(1, 42), 42));
}

BOOST_AUTO_TEST_CASE(all_finished_gives_max_watermark) {
  watermark_tracker t{2};
  t.update(0, 1);
  t.update(1, 2);
  BOOST_CHECK(advanced_to(t.finish(0), 2));
  BOOST_CHECK(advanced_to(t.finish(1), watermark_tracker::max_watermark));
  BOOST_CHECK(t.all_finished());
  BOOST_CHECK_EQUAL(t.current(), watermark_tracker::max_watermark);
  BOOST_CHECK(!t.finish(1)); // idempotent
}

BOOST_AUTO_TEST_CASE(zero_inputs_is_a_source) {
  watermark_tracker t{0};
  BOOST_CHECK_EQUAL(t.num_inputs(), 0u);
  BOOST_CHECK_EQUAL(t.current(), watermark_tracker::min_watermark);
  BOOST_CHECK(!t.all_finished());
}

BOOST_AUTO_TEST_CASE(matches_brute_force_min) {
  // Pseudo-random updates on 4 channels; compare with a recomputed minimum.
  watermark_tracker t{4};
  ts last[4] = {watermark_tracker::min_watermark, watermark_tracker::min_watermark,
                watermark_tracker::min_watermark, watermark_tracker::min_watermark};
  ts combined = watermark_tracker::min_watermark;
  uint32_t x = 12345;
  for (int i = 0; i < 2000; ++i) {
    x = x * 1664525u + 1013904223u;
    size_t ch = (x >> 8) % 4;
    ts value = static_cast<ts>((x >> 12) % 1000) + i / 4;
    if (value > last[ch])
      last[ch] = value;
    ts lowest = last[0];
    for (ts v : last)
      lowest = v < lowest ? v : lowest;
    auto result = t.update(ch, value);
    if (lowest > combined) {
      BOOST_REQUIRE(advanced_to(result, lowest));
      combined = lowest;
    } else {
      BOOST_REQUIRE(!result);
    }
    BOOST_REQUIRE_EQUAL(t.current(), combined);
  }
}

// --- idle inputs (Flink's StatusWatermarkValve) ---

BOOST_AUTO_TEST_CASE(idle_input_does_not_hold_back_the_minimum) {
  watermark_tracker t{3};
  t.update(0, 10);
  t.update(1, 20);
  BOOST_CHECK_EQUAL(t.current(), watermark_tracker::min_watermark); // 2 never reported
  BOOST_CHECK(advanced_to(t.mark_idle(2), 10));
  BOOST_CHECK(t.is_idle(2));
  BOOST_CHECK(!t.is_idle(0));
  BOOST_CHECK(!t.all_idle());
  BOOST_CHECK(advanced_to(t.update(0, 30), 20));
  BOOST_CHECK(advanced_to(t.mark_idle(1), 30)); // 1 held the minimum
  BOOST_CHECK(!t.mark_idle(1));                 // idempotent
  BOOST_CHECK_EQUAL(t.current(), 30);
}

BOOST_AUTO_TEST_CASE(all_idle_flushes_to_the_highest_idle_watermark) {
  watermark_tracker t{3};
  t.update(0, 10);
  t.update(1, 20);
  t.update(2, 15);
  BOOST_CHECK(!t.mark_idle(1)); // 0 still holds it at 10
  BOOST_CHECK_EQUAL(t.current(), 10);
  BOOST_CHECK(advanced_to(t.mark_idle(0), 15)); // 2 is the last active one
  BOOST_CHECK(advanced_to(t.mark_idle(2), 20)); // all idle: Flink's flush to the highest
  BOOST_CHECK(t.all_idle());
  BOOST_CHECK_EQUAL(t.channel_watermark(0), 10); // kept while idle
  BOOST_CHECK(!t.mark_active(0));                // 10 < 20: waits to catch up
  BOOST_CHECK_EQUAL(t.current(), 20);
  BOOST_CHECK(advanced_to(t.update(0, 25), 25)); // caught up; idle 1 and 2 do not count
}

BOOST_AUTO_TEST_CASE(watermark_on_idle_input_marks_it_active) {
  watermark_tracker t{2};
  t.update(0, 10);
  t.update(1, 20);
  t.mark_idle(1);
  t.mark_idle(0);
  BOOST_REQUIRE(t.all_idle());
  BOOST_CHECK(advanced_to(t.update(1, 25), 25)); // active again, 0 still idle
  BOOST_CHECK(!t.is_idle(1));
  BOOST_CHECK(t.is_idle(0));
  BOOST_CHECK(!t.all_idle());
  // A watermark that does not advance its channel still marks it active.
  t.mark_idle(1);
  BOOST_REQUIRE(t.all_idle());
  BOOST_CHECK(!t.update(1, 5));
  BOOST_CHECK(!t.is_idle(1));
  BOOST_CHECK(!t.all_idle());
  BOOST_CHECK_EQUAL(t.channel_watermark(1), 25);
  BOOST_CHECK_EQUAL(t.current(), 25);
}

BOOST_AUTO_TEST_CASE(lagging_input_counts_only_after_catching_up) {
  watermark_tracker t{2};
  t.update(0, 10);
  BOOST_CHECK(advanced_to(t.update(1, 50), 10));
  BOOST_CHECK(advanced_to(t.mark_idle(0), 50));
  BOOST_CHECK(!t.update(0, 20)); // active again but behind 50: never back
  BOOST_CHECK(!t.is_idle(0));
  BOOST_CHECK_EQUAL(t.current(), 50);
  BOOST_CHECK(advanced_to(t.update(1, 70), 70)); // 0 (at 20) does not count
  BOOST_CHECK(!t.update(0, 60));                 // still behind 70
  BOOST_CHECK(!t.update(0, 80));                 // caught up: min(80, 70) = 70
  BOOST_CHECK(advanced_to(t.update(1, 90), 80)); // now 0 holds it back
  BOOST_CHECK(!t.update(1, 100));
  BOOST_CHECK(advanced_to(t.update(0, 95), 95));
}

BOOST_AUTO_TEST_CASE(mark_active_aligns_or_waits) {
  watermark_tracker t{2};
  t.update(0, 10);
  t.update(1, 40);
  BOOST_CHECK(!t.mark_idle(1));
  BOOST_CHECK(advanced_to(t.mark_idle(0), 40)); // all idle: flushed to 1's 40
  BOOST_REQUIRE(t.all_idle());
  BOOST_CHECK(!t.mark_active(1)); // 40 >= 40: aligned, nothing new
  BOOST_CHECK(!t.mark_active(1)); // already active
  BOOST_CHECK(!t.mark_active(0)); // 10 < 40: waits to catch up
  BOOST_CHECK(!t.update(0, 45));  // caught up: min(45, 40)
  BOOST_CHECK(advanced_to(t.update(1, 50), 45));
}

BOOST_AUTO_TEST_CASE(mark_active_on_aligned_input_does_not_advance) {
  watermark_tracker t{3};
  t.update(0, 10);
  t.update(1, 30);
  t.update(2, 20);
  BOOST_CHECK(advanced_to(t.mark_idle(0), 20));
  BOOST_CHECK(!t.update(1, 35)); // not the minimum
  BOOST_CHECK(!t.mark_idle(1));
  BOOST_CHECK(!t.mark_active(1)); // 35 >= 20: aligned, min stays 20
  BOOST_CHECK_EQUAL(t.current(), 20);
  BOOST_CHECK(advanced_to(t.update(2, 40), 35));
}

BOOST_AUTO_TEST_CASE(finish_and_idle) {
  watermark_tracker t{2};
  BOOST_CHECK(!t.update(0, 10)); // 1 never reported
  BOOST_CHECK(advanced_to(t.mark_idle(1), 10));
  // 0 finishes while 1 is idle: every non-finished input is idle, and the
  // highest of them (1 never reported) is below 10: the combined watermark
  // stays, a finished input never flushes it to max.
  BOOST_CHECK(!t.finish(0));
  BOOST_CHECK(t.all_idle());
  BOOST_CHECK_EQUAL(t.current(), 10);
  BOOST_CHECK(!t.mark_idle(0));   // finished inputs are never idle
  BOOST_CHECK(!t.mark_active(0));
  BOOST_CHECK(!t.is_idle(0));
  BOOST_CHECK(advanced_to(t.finish(1), watermark_tracker::max_watermark));
  BOOST_CHECK(!t.is_idle(1));
  BOOST_CHECK(!t.all_idle());
  BOOST_CHECK(t.all_finished());
}

BOOST_AUTO_TEST_CASE(idle_input_resumes_after_others_finished) {
  watermark_tracker t{2};
  t.update(0, 10);
  t.update(1, 30);
  t.mark_idle(1); // min stays 10 (0)
  BOOST_CHECK(advanced_to(t.finish(0), 30)); // 1 alone and idle: flushed to it
  BOOST_CHECK(t.all_idle());
  BOOST_CHECK(advanced_to(t.update(1, 35), 35)); // finished 0 counts as max
  BOOST_CHECK(!t.all_idle());
}

BOOST_AUTO_TEST_CASE(finished_inputs_alone_do_not_drive_the_watermark) {
  // 0 lags behind (does not count) and 1 finishes: nothing live is aligned,
  // so the combined watermark waits for 0 instead of jumping to max.
  watermark_tracker t{2};
  t.update(0, 10);
  t.update(1, 50);
  BOOST_CHECK(advanced_to(t.mark_idle(0), 50));
  BOOST_CHECK(!t.mark_active(0)); // 10 < 50: not aligned
  BOOST_CHECK(!t.finish(1));
  BOOST_CHECK(!t.all_idle());
  BOOST_CHECK_EQUAL(t.current(), 50);
  BOOST_CHECK(!t.update(0, 40));                 // still behind
  BOOST_CHECK(advanced_to(t.update(0, 60), 60)); // caught up
  BOOST_CHECK(advanced_to(t.finish(0), watermark_tracker::max_watermark));
}

BOOST_AUTO_TEST_CASE(idle_input_resuming_with_a_watermark_catches_up_at_once) {
  // Activation and the new watermark are one step: 1 was idle at 5 below the
  // combined 10, its watermark 20 aligns it (no detour through max).
  watermark_tracker t{2};
  t.update(1, 5);
  t.mark_idle(1);
  BOOST_CHECK(advanced_to(t.update(0, 10), 10));
  BOOST_CHECK(!t.finish(0));
  BOOST_CHECK(t.all_idle());
  BOOST_CHECK(advanced_to(t.update(1, 20), 20));
  BOOST_CHECK(!t.all_idle());
}

BOOST_AUTO_TEST_CASE(matches_reference_model_with_idleness) {
  // Random watermarks, idle/active toggles and a few finishes on 5 inputs,
  // checked against a from-scratch model of the rules after every call.
  constexpr size_t n = 5;
  struct model_channel {
    ts wm = watermark_tracker::min_watermark;
    bool idle = false, finished = false, aligned = true;
  };
  for (uint32_t seed : {1u, 2u, 3u, 99u}) {
    watermark_tracker t{n};
    model_channel m[n];
    ts combined = watermark_tracker::min_watermark;
    uint32_t x = seed;
    for (int i = 0; i < 3000; ++i) {
      x = x * 1664525u + 1013904223u;
      size_t ch = (x >> 8) % n;
      uint32_t op = (x >> 16) % 100;
      std::optional<ts> result;
      auto& c = m[ch];
      if (op < 70) {
        ts value = static_cast<ts>((x >> 12) % 500) + i;
        result = t.update(ch, value);
        if (!c.finished) {
          if (c.idle) {
            c.idle = false;
            c.aligned = c.wm >= combined;
          }
          if (value > c.wm) {
            c.wm = value;
            c.aligned = c.aligned || value >= combined;
          }
        }
      } else if (op < 85) {
        result = t.mark_idle(ch);
        if (!c.finished && !c.idle) {
          c.idle = true;
          c.aligned = false;
        }
      } else if (op < 99) {
        result = t.mark_active(ch);
        if (!c.finished && c.idle) {
          c.idle = false;
          c.aligned = c.wm >= combined;
        }
      } else if (i % 3 == 0) {
        result = t.finish(ch);
        if (!c.finished)
          c = model_channel{watermark_tracker::max_watermark, false, true, true};
      } else {
        continue;
      }
      size_t idle = 0, finished = 0, live_aligned = 0;
      std::optional<ts> lowest;
      for (auto& mc : m) {
        idle += mc.idle;
        finished += mc.finished;
        if (mc.aligned && !mc.idle) {
          lowest = lowest ? std::min(*lowest, mc.wm) : mc.wm;
          live_aligned += !mc.finished;
        }
      }
      bool all_idle = idle > 0 && idle + finished == n;
      BOOST_REQUIRE_EQUAL(t.all_idle(), all_idle);
      bool driven = live_aligned > 0 || finished == n;
      if (all_idle) { // flush to the highest idle watermark
        driven = true;
        lowest = watermark_tracker::min_watermark;
        for (auto& mc : m)
          if (mc.idle)
            lowest = std::max(*lowest, mc.wm);
      }
      if (driven && lowest && *lowest > combined) {
        BOOST_REQUIRE(advanced_to(result, *lowest));
        combined = *lowest;
      } else {
        BOOST_REQUIRE(!result);
      }
      BOOST_REQUIRE_EQUAL(t.current(), combined);
      for (size_t k = 0; k < n; ++k) {
        BOOST_REQUIRE_EQUAL(t.is_idle(k), m[k].idle);
        BOOST_REQUIRE_EQUAL(t.channel_watermark(k), m[k].wm);
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace watermark_tracker_test
