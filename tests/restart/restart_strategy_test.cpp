// Restart strategies on a made-up clock (Flink 1.19+'s
// RestartBackoffTimeStrategy semantics): none never restarts; fixed-delay
// gives up after its attempts; failure-rate counts failures in a sliding
// window and recovers when old ones leave it; exponential-delay grows
// 1s, 1.5s, 2.25s, ... up to max-backoff, merges failures before the
// scheduled restart, resets after a failure-free threshold, and draws its
// jitter within bounds and deterministically from a seed. Every give-up
// message names the strategy and its limit.
#include "actors/restart/restart_strategy.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace restart_strategy_test {

namespace {

using namespace sluice;
using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

/// A deterministic clock: starts at an arbitrary point, moves only when told.
struct test_clock {
  restart_strategy::time_point now = restart_strategy::time_point{} + 1000h;

  restart_strategy::time_point advance(ms d) {
    now += d;
    return now;
  }
};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

/// The job master's protocol for one failure: notify, then ask.
struct outcome {
  bool new_attempt;
  bool restart;
  ms backoff;
};

outcome fail(restart_strategy& s, restart_strategy::time_point now) {
  outcome o;
  o.new_attempt = s.notify_failure(now);
  o.restart = s.can_restart(now);
  o.backoff = s.backoff_time(now);
  return o;
}

exponential_delay_params no_jitter() {
  exponential_delay_params p; // Flink 1.19 defaults: 1s, 1min, 1.5, 1h
  p.jitter_factor = 0;
  return p;
}

} // namespace

BOOST_AUTO_TEST_SUITE(restart_strategy_suite)

BOOST_AUTO_TEST_CASE(type_names_and_flink_aliases) {
  for (auto t : {restart_strategy_type::none, restart_strategy_type::fixed_delay,
                 restart_strategy_type::failure_rate, restart_strategy_type::exponential_delay})
    BOOST_CHECK(parse_restart_strategy_type(to_string(t)) == t);
  BOOST_CHECK_EQUAL(to_string(restart_strategy_type::fixed_delay), "fixed-delay");
  BOOST_CHECK(parse_restart_strategy_type("off") == restart_strategy_type::none);
  BOOST_CHECK(parse_restart_strategy_type("disable") == restart_strategy_type::none);
  BOOST_CHECK(parse_restart_strategy_type("fixeddelay") == restart_strategy_type::fixed_delay);
  BOOST_CHECK(parse_restart_strategy_type("failurerate") == restart_strategy_type::failure_rate);
  BOOST_CHECK(parse_restart_strategy_type("exponentialdelay")
              == restart_strategy_type::exponential_delay);
  for (auto bad : {"", "fixed_delay", "Fixed-Delay", "sometimes", "default"})
    BOOST_CHECK_MESSAGE(!parse_restart_strategy_type(bad), "accepted '" << bad << "'");
}

BOOST_AUTO_TEST_CASE(none_never_restarts) {
  test_clock clock;
  no_restart_strategy s;
  BOOST_CHECK(s.type() == restart_strategy_type::none);
  auto o = fail(s, clock.now);
  BOOST_CHECK(!o.restart);
  BOOST_CHECK_EQUAL(o.backoff.count(), 0);
  auto why = s.give_up_reason(clock.now);
  BOOST_CHECK_MESSAGE(contains(why, "none restart strategy"), why);
  BOOST_CHECK_MESSAGE(contains(why, "restart-strategy.type = none"), why);
  BOOST_CHECK(!s.can_restart(clock.advance(24h)));
}

BOOST_AUTO_TEST_CASE(fixed_delay_restarts_attempts_times_with_the_delay) {
  test_clock clock;
  fixed_delay_restart_strategy s{3, 2s};
  BOOST_CHECK_EQUAL(s.describe(), "fixed-delay (attempts 3, delay 2s)");
  for (int i = 1; i <= 3; ++i) {
    auto o = fail(s, clock.advance(10ms)); // failures close together count too
    BOOST_CHECK_MESSAGE(o.restart, "failure " << i);
    BOOST_CHECK(o.new_attempt);
    BOOST_CHECK_EQUAL(o.backoff.count(), 2000);
  }
  auto o = fail(s, clock.advance(1h)); // ... and so do failures far apart
  BOOST_CHECK(!o.restart);
  BOOST_CHECK_EQUAL(s.failures(), 4);
  auto why = s.give_up_reason(clock.now);
  BOOST_CHECK_MESSAGE(contains(why, "fixed-delay restart strategy"), why);
  BOOST_CHECK_MESSAGE(contains(why, "restart-strategy.attempts = 3"), why);
}

BOOST_AUTO_TEST_CASE(fixed_delay_with_zero_attempts_gives_up_at_once) {
  test_clock clock;
  fixed_delay_restart_strategy s{0, 0ms};
  BOOST_CHECK(!fail(s, clock.now).restart);
  BOOST_CHECK(contains(s.give_up_reason(clock.now), "restart-strategy.attempts = 0"));
  fixed_delay_restart_strategy flink_default{1, 1s};
  BOOST_CHECK(fail(flink_default, clock.now).restart);
  BOOST_CHECK(!fail(flink_default, clock.advance(1s)).restart);
}

BOOST_AUTO_TEST_CASE(failure_rate_gives_up_when_the_window_holds_too_many_failures) {
  test_clock clock;
  const auto t0 = clock.now;
  failure_rate_restart_strategy s{2, 10s, 500ms};
  BOOST_CHECK_EQUAL(s.describe(),
                    "failure-rate (max-failures-per-interval 2, failure-rate-interval 10s, "
                    "delay 500ms)");
  auto first = fail(s, t0);
  BOOST_CHECK(first.restart);
  BOOST_CHECK_EQUAL(first.backoff.count(), 500);
  BOOST_CHECK(fail(s, t0 + 1s).restart);
  // A third failure 2s after the first: 3 > 2 within 10s.
  BOOST_CHECK(!fail(s, t0 + 2s).restart);
  auto why = s.give_up_reason(t0 + 2s);
  BOOST_CHECK_MESSAGE(contains(why, "failure-rate restart strategy"), why);
  BOOST_CHECK_MESSAGE(contains(why, "3 failures within 2s"), why);
  BOOST_CHECK_MESSAGE(contains(why, "restart-strategy.max-failures-per-interval = 2"), why);
  BOOST_CHECK_MESSAGE(contains(why, "restart-strategy.failure-rate-interval = 10s"), why);
}

BOOST_AUTO_TEST_CASE(failure_rate_recovers_once_old_failures_leave_the_window) {
  test_clock clock;
  const auto t0 = clock.now;
  failure_rate_restart_strategy s{2, 10s, 500ms};
  BOOST_CHECK(fail(s, t0).restart);
  BOOST_CHECK(fail(s, t0 + 1s).restart);
  // The window is (now - 10s, now]: the failure at t0 has left it at 12s.
  BOOST_CHECK(fail(s, t0 + 12s).restart);
  // Oldest kept failure now at 1s: 11.5s ago, outside.
  BOOST_CHECK(fail(s, t0 + 12500ms).restart);
  // 12s, 12.5s, 13s: three within 1s.
  BOOST_CHECK(!fail(s, t0 + 13s).restart);
}

BOOST_AUTO_TEST_CASE(failure_rate_window_edge_is_exclusive_like_flinks) {
  test_clock clock;
  const auto t0 = clock.now;
  // Flink's default: 1 failure per 1min.
  failure_rate_restart_strategy exactly{1, 1min, 1s};
  BOOST_CHECK(fail(exactly, t0).restart);
  BOOST_CHECK(!fail(exactly, t0 + 1min).restart); // (now - first) > interval is needed
  failure_rate_restart_strategy later{1, 1min, 1s};
  BOOST_CHECK(fail(later, t0).restart);
  BOOST_CHECK(fail(later, t0 + 1min + 1ms).restart);
}

BOOST_AUTO_TEST_CASE(exponential_delay_backoff_grows_by_the_multiplier_up_to_max) {
  test_clock clock;
  exponential_delay_restart_strategy s{no_jitter()};
  // Flink: (long) (1000 * 1.5^n), capped at 60000.
  const std::vector<int64_t> expected{1000,  1500,  2250,  3375,  5062,  7593, 11390,
                                      17085, 25628, 38443, 57665, 60000, 60000};
  std::vector<int64_t> seen;
  for (size_t i = 0; i < expected.size(); ++i) {
    // Fail shortly after the previous restart (well within the 1h threshold).
    auto now = s.next_restart() ? *s.next_restart() + 100ms : clock.now;
    auto o = fail(s, now);
    BOOST_CHECK(o.new_attempt);
    BOOST_CHECK(o.restart);
    seen.push_back(o.backoff.count());
    // The job master restarts after the backoff.
    BOOST_CHECK(s.next_restart() == now + o.backoff);
  }
  BOOST_CHECK_EQUAL_COLLECTIONS(seen.begin(), seen.end(), expected.begin(), expected.end());
  BOOST_CHECK_EQUAL(s.current_attempt(), static_cast<int64_t>(expected.size()));
}

BOOST_AUTO_TEST_CASE(exponential_delay_merges_failures_before_the_scheduled_restart) {
  test_clock clock;
  const auto t0 = clock.now;
  exponential_delay_restart_strategy s{no_jitter()};
  auto first = fail(s, t0);
  BOOST_CHECK_EQUAL(first.backoff.count(), 1000);
  // Another subtask fails while the restart is pending: the same attempt.
  auto second = fail(s, t0 + 400ms);
  BOOST_CHECK(!second.new_attempt);
  BOOST_CHECK(second.restart);
  BOOST_CHECK_EQUAL(second.backoff.count(), 600);
  BOOST_CHECK(!fail(s, t0 + 1s).new_attempt); // at the restart time: still merged
  BOOST_CHECK_EQUAL(s.current_attempt(), 1);
  auto third = fail(s, t0 + 1001ms);
  BOOST_CHECK(third.new_attempt);
  BOOST_CHECK_EQUAL(third.backoff.count(), 1500);
  BOOST_CHECK_EQUAL(s.backoff_time(t0 + 2s).count(), 501);
  BOOST_CHECK_EQUAL(s.backoff_time(t0 + 1h).count(), 0);
}

BOOST_AUTO_TEST_CASE(exponential_delay_resets_after_a_failure_free_threshold) {
  test_clock clock;
  auto params = no_jitter();
  params.reset_backoff_threshold = 10min;
  exponential_delay_restart_strategy s{params};
  auto t = clock.now;
  for (int i = 0; i < 4; ++i) { // 1s, 1.5s, 2.25s, 3.375s
    fail(s, t);
    t = *s.next_restart() + 1ms;
  }
  BOOST_CHECK_EQUAL(s.current_attempt(), 4);
  // Running 10min - 1ms after the last restart is not enough ...
  auto almost = fail(s, *s.next_restart() + 10min - 1ms);
  BOOST_CHECK_EQUAL(almost.backoff.count(), 5062);
  BOOST_CHECK_EQUAL(s.current_attempt(), 5);
  // ... 10min is: back to the initial backoff, attempts counted from 1.
  auto reset = fail(s, *s.next_restart() + 10min);
  BOOST_CHECK_EQUAL(reset.backoff.count(), 1000);
  BOOST_CHECK_EQUAL(s.current_attempt(), 1);
}

BOOST_AUTO_TEST_CASE(exponential_delay_gives_up_after_its_attempts_until_a_reset) {
  test_clock clock;
  auto params = no_jitter();
  params.attempts_before_reset = 2;
  params.reset_backoff_threshold = 1min;
  exponential_delay_restart_strategy s{params};
  BOOST_CHECK(fail(s, clock.now).restart);
  BOOST_CHECK(fail(s, *s.next_restart() + 1s).restart);
  BOOST_CHECK(!fail(s, *s.next_restart() + 1s).restart);
  auto why = s.give_up_reason(clock.now);
  BOOST_CHECK_MESSAGE(contains(why, "exponential-delay restart strategy"), why);
  BOOST_CHECK_MESSAGE(contains(why, "restart-strategy.attempts = 2"), why);
  BOOST_CHECK_MESSAGE(contains(why, "restart-strategy.reset-backoff-threshold = 1min"), why);
  // Had the job run a failure-free minute, the count would have started over.
  exponential_delay_restart_strategy patient{params};
  BOOST_CHECK(fail(patient, clock.now).restart);
  BOOST_CHECK(fail(patient, *patient.next_restart() + 1s).restart);
  BOOST_CHECK(fail(patient, *patient.next_restart() + 1min).restart);
  BOOST_CHECK_EQUAL(patient.current_attempt(), 1);
}

BOOST_AUTO_TEST_CASE(exponential_delay_jitter_stays_within_its_bounds) {
  auto params = exponential_delay_params{}; // jitter 0.1
  exponential_delay_restart_strategy s{params, seeded_jitter(42)};
  test_clock clock;
  const std::vector<int64_t> base{1000,  1500,  2250,  3375,  5062,  7593, 11390,
                                  17085, 25628, 38443, 57665, 86497, 129746};
  for (auto b : base) {
    auto now = s.next_restart() ? *s.next_restart() + 1ms : clock.now;
    auto backoff = fail(s, now).backoff.count();
    auto offset = static_cast<int64_t>(static_cast<double>(b) * 0.1);
    auto lo = std::clamp<int64_t>(b - offset, 1000, 60000);
    auto hi = std::clamp<int64_t>(b + offset, 1000, 60000);
    BOOST_CHECK_MESSAGE(lo <= backoff && backoff <= hi,
                        "backoff " << backoff << " outside [" << lo << ", " << hi << "]");
  }
}

BOOST_AUTO_TEST_CASE(exponential_delay_jitter_is_deterministic_with_a_seed) {
  auto run = [](uint64_t seed) {
    exponential_delay_restart_strategy s{exponential_delay_params{}, seeded_jitter(seed)};
    test_clock clock;
    std::vector<int64_t> backoffs;
    for (int i = 0; i < 12; ++i) {
      auto now = s.next_restart() ? *s.next_restart() + 1ms : clock.now;
      backoffs.push_back(fail(s, now).backoff.count());
    }
    return backoffs;
  };
  auto a = run(7);
  auto b = run(7);
  BOOST_CHECK_EQUAL_COLLECTIONS(a.begin(), a.end(), b.begin(), b.end());
  BOOST_CHECK(run(7) != run(8)); // 12 draws: equal only by a tiny chance
}

BOOST_AUTO_TEST_CASE(exponential_delay_jitter_is_clamped_to_initial_and_max) {
  // A jitter source that always draws the extreme: [-b/10, b/10] bounds.
  std::vector<std::pair<int64_t, int64_t>> draws;
  auto lowest = [&](int64_t lo, int64_t hi) {
    draws.emplace_back(lo, hi);
    return lo;
  };
  exponential_delay_restart_strategy low{exponential_delay_params{}, lowest};
  test_clock clock;
  BOOST_CHECK_EQUAL(fail(low, clock.now).backoff.count(), 1000); // 900 clamped up
  BOOST_CHECK_EQUAL(fail(low, *low.next_restart() + 1ms).backoff.count(), 1350);
  BOOST_REQUIRE_EQUAL(draws.size(), 2u);
  BOOST_CHECK_EQUAL(draws[0].first, -100);
  BOOST_CHECK_EQUAL(draws[0].second, 100);
  BOOST_CHECK_EQUAL(draws[1].first, -150);
  auto highest = [](int64_t, int64_t hi) { return hi; };
  exponential_delay_restart_strategy high{exponential_delay_params{}, highest};
  int64_t last = 0;
  for (int i = 0; i < 11; ++i)
    last = fail(high, high.next_restart() ? *high.next_restart() + 1ms : clock.now)
             .backoff.count();
  BOOST_CHECK_EQUAL(last, 60000); // 57665 + 5766 clamped down
}

BOOST_AUTO_TEST_CASE(failure_message_carries_reason_and_cause) {
  test_clock clock;
  fixed_delay_restart_strategy s{1, 1s};
  fail(s, clock.now);
  fail(s, clock.now);
  auto text = s.failure_message("subtask map (2/4) exited: user function threw", clock.now);
  BOOST_CHECK_MESSAGE(contains(text, "recovery is suppressed by the fixed-delay restart strategy"),
                      text);
  BOOST_CHECK_MESSAGE(contains(text, "restart-strategy.attempts = 1"), text);
  BOOST_CHECK_MESSAGE(contains(text, "; cause: subtask map (2/4) exited: user function threw"),
                      text);
}

BOOST_AUTO_TEST_CASE(exponential_delay_describes_its_parameters) {
  exponential_delay_restart_strategy s{exponential_delay_params{}, seeded_jitter(1)};
  BOOST_CHECK_EQUAL(s.describe(),
                    "exponential-delay (initial-backoff 1s, max-backoff 1min, "
                    "backoff-multiplier 1.5, reset-backoff-threshold 1h, jitter-factor 0.1, "
                    "attempts unlimited)");
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace restart_strategy_test
