// trigger_policy: interval (start to start), min-pause from the end of the
// last checkpoint (boundaries inclusive), max-concurrent (capped to 1 by
// min-pause and unaligned), declines while subtasks deploy, stop/start.
#include "actors/checkpoint/trigger_policy.hpp"

#include <boost/test/unit_test.hpp>

#include <vector>

namespace trigger_policy_test {

namespace {

using namespace sluice;
using namespace std::chrono_literals;

checkpoint_time at(std::chrono::milliseconds ms) {
  return checkpoint_time{} + ms;
}

checkpoint_config every(std::chrono::milliseconds interval) {
  checkpoint_config cfg;
  cfg.interval = interval;
  cfg.min_pause = 0ms;
  cfg.max_concurrent = 1;
  cfg.unaligned = false;
  return cfg;
}

bool is(const trigger_decision& d, trigger_verdict v) {
  return d.verdict == v;
}

} // namespace

BOOST_AUTO_TEST_SUITE(trigger_policy_suite)

BOOST_AUTO_TEST_CASE(no_interval_means_disabled) {
  checkpoint_config cfg;
  cfg.interval.reset();
  trigger_policy p{cfg};
  p.start(at(0ms));
  BOOST_CHECK(!p.running());
  auto d = p.decide(at(1h), 0, true);
  BOOST_CHECK(is(d, trigger_verdict::disabled));
  BOOST_CHECK(!d.next_attempt);
  BOOST_CHECK(!p.next_due());
}

BOOST_AUTO_TEST_CASE(not_started_or_stopped_means_disabled) {
  trigger_policy p{every(1s)};
  BOOST_CHECK(is(p.decide(at(5s), 0, true), trigger_verdict::disabled));
  p.start(at(0ms));
  BOOST_CHECK(is(p.decide(at(1s), 0, true), trigger_verdict::trigger));
  p.stop();
  BOOST_CHECK(is(p.decide(at(1s), 0, true), trigger_verdict::disabled));
  p.start(at(10s));
  BOOST_CHECK(is(p.decide(at(10s), 0, true), trigger_verdict::wait_for_interval));
  BOOST_CHECK(is(p.decide(at(11s), 0, true), trigger_verdict::trigger));
}

BOOST_AUTO_TEST_CASE(first_trigger_after_one_interval_exactly) {
  trigger_policy p{every(1s)};
  p.start(at(0ms));
  auto d = p.decide(at(999ms), 0, true);
  BOOST_CHECK(is(d, trigger_verdict::wait_for_interval));
  BOOST_CHECK(d.next_attempt == at(1s));
  auto t = p.decide(at(1s), 0, true); // boundary: due at exactly the interval
  BOOST_CHECK(is(t, trigger_verdict::trigger));
  BOOST_CHECK(t.next_attempt == at(2s));
}

BOOST_AUTO_TEST_CASE(initial_delay_overrides_the_first_interval) {
  trigger_policy p{every(10s)};
  p.start(at(0ms), 250ms);
  BOOST_CHECK(p.next_due() == at(250ms));
  BOOST_CHECK(is(p.decide(at(250ms), 0, true), trigger_verdict::trigger));
  p.on_triggered(at(250ms));
  BOOST_CHECK(p.next_due() == at(10'250ms));
}

BOOST_AUTO_TEST_CASE(interval_is_measured_from_trigger_to_trigger) {
  trigger_policy p{every(1s)};
  p.start(at(0ms));
  std::vector<checkpoint_time> triggers;
  // Checkpoints take 300ms; the actor ticks at every next_attempt.
  auto now = at(0ms);
  size_t pending = 0;
  auto end = at(0ms);
  while (now <= at(5s)) {
    if (pending == 1 && now >= end) {
      pending = 0;
      p.on_checkpoint_end(end);
    }
    auto d = p.decide(now, pending, true);
    if (is(d, trigger_verdict::trigger)) {
      triggers.push_back(now);
      p.on_triggered(now);
      pending = 1;
      end = now + 300ms;
    }
    now += 10ms;
  }
  BOOST_REQUIRE_EQUAL(triggers.size(), 5u);
  for (size_t i = 0; i < triggers.size(); ++i)
    BOOST_CHECK(triggers[i] == at(std::chrono::milliseconds{1000 * (i + 1)}));
}

BOOST_AUTO_TEST_CASE(max_concurrent_one_waits_for_the_pending_checkpoint) {
  trigger_policy p{every(1s)};
  p.start(at(0ms));
  p.on_triggered(at(1s));
  auto d = p.decide(at(2s), 1, true);
  BOOST_CHECK(is(d, trigger_verdict::too_many_concurrent));
  BOOST_CHECK(!d.next_attempt); // ask again when it ends
  // The long checkpoint ends at 3.5s: the queued trigger fires at once.
  p.on_checkpoint_end(at(3500ms));
  BOOST_CHECK(is(p.decide(at(3500ms), 0, true), trigger_verdict::trigger));
}

BOOST_AUTO_TEST_CASE(max_concurrent_n_allows_n_in_progress) {
  auto cfg = every(1s);
  cfg.max_concurrent = 3;
  trigger_policy p{cfg};
  BOOST_CHECK_EQUAL(p.max_concurrent(), 3);
  p.start(at(0ms));
  BOOST_CHECK(is(p.decide(at(1s), 2, true), trigger_verdict::trigger));
  BOOST_CHECK(is(p.decide(at(1s), 3, true), trigger_verdict::too_many_concurrent));
  BOOST_CHECK(is(p.decide(at(1s), 4, true), trigger_verdict::too_many_concurrent));
}

BOOST_AUTO_TEST_CASE(min_pause_counts_from_the_end_of_the_last_checkpoint) {
  auto cfg = every(1s);
  cfg.min_pause = 500ms;
  trigger_policy p{cfg};
  p.start(at(0ms));
  BOOST_CHECK(!p.min_pause_until()); // nothing ended yet
  BOOST_CHECK(is(p.decide(at(1s), 0, true), trigger_verdict::trigger));
  p.on_triggered(at(1s));
  p.on_checkpoint_end(at(1800ms));
  BOOST_CHECK(p.min_pause_until() == at(2300ms));
  // Due at 2s by the interval, but min-pause holds it until 2.3s.
  auto d = p.decide(at(2s), 0, true);
  BOOST_CHECK(is(d, trigger_verdict::wait_for_min_pause));
  BOOST_CHECK(d.next_attempt == at(2300ms));
  BOOST_CHECK(is(p.decide(at(2299ms), 0, true), trigger_verdict::wait_for_min_pause));
  BOOST_CHECK(is(p.decide(at(2300ms), 0, true), trigger_verdict::trigger)); // boundary
}

BOOST_AUTO_TEST_CASE(min_pause_also_follows_an_aborted_checkpoint) {
  auto cfg = every(1s);
  cfg.min_pause = 2s;
  trigger_policy p{cfg};
  p.start(at(0ms));
  p.on_triggered(at(1s));
  p.on_checkpoint_end(at(1100ms)); // expired or declined
  BOOST_CHECK(is(p.decide(at(2s), 0, true), trigger_verdict::wait_for_min_pause));
  BOOST_CHECK(is(p.decide(at(3100ms), 0, true), trigger_verdict::trigger));
}

BOOST_AUTO_TEST_CASE(min_pause_longer_than_interval_spaces_checkpoints) {
  auto cfg = every(100ms);
  cfg.min_pause = 1s;
  trigger_policy p{cfg};
  p.start(at(0ms));
  std::vector<checkpoint_time> triggers;
  for (auto now = at(0ms); now <= at(5s); now += 10ms) {
    if (is(p.decide(now, 0, true), trigger_verdict::trigger)) {
      triggers.push_back(now);
      p.on_triggered(now);
      p.on_checkpoint_end(now + 50ms); // completes 50ms later
    }
  }
  BOOST_REQUIRE_GE(triggers.size(), 2u);
  BOOST_CHECK(triggers[0] == at(100ms));
  for (size_t i = 1; i < triggers.size(); ++i)
    BOOST_CHECK(triggers[i] - triggers[i - 1] == 1050ms);
}

BOOST_AUTO_TEST_CASE(min_pause_forces_max_concurrent_one) {
  auto cfg = every(1s);
  cfg.max_concurrent = 5;
  cfg.min_pause = 1ms;
  trigger_policy p{cfg};
  BOOST_CHECK_EQUAL(p.max_concurrent(), 1);
  p.start(at(0ms));
  BOOST_CHECK(is(p.decide(at(1s), 1, true), trigger_verdict::too_many_concurrent));
}

BOOST_AUTO_TEST_CASE(unaligned_forces_max_concurrent_one) {
  auto cfg = every(1s);
  cfg.max_concurrent = 5;
  cfg.unaligned = true;
  trigger_policy p{cfg};
  BOOST_CHECK_EQUAL(p.max_concurrent(), 1);
  p.start(at(0ms));
  BOOST_CHECK(is(p.decide(at(1s), 1, true), trigger_verdict::too_many_concurrent));
  BOOST_CHECK(is(p.decide(at(1s), 0, true), trigger_verdict::trigger));
}

BOOST_AUTO_TEST_CASE(declined_while_subtasks_deploy_and_retried_an_interval_later) {
  trigger_policy p{every(1s)};
  p.start(at(0ms));
  auto d = p.decide(at(1s), 0, false);
  BOOST_CHECK(is(d, trigger_verdict::not_all_running));
  BOOST_CHECK(d.next_attempt == at(2s));
  p.on_declined(at(1s));
  BOOST_CHECK(p.next_due() == at(2s));
  BOOST_CHECK(is(p.decide(at(1999ms), 0, true), trigger_verdict::wait_for_interval));
  BOOST_CHECK(is(p.decide(at(2s), 0, true), trigger_verdict::trigger));
}

BOOST_AUTO_TEST_CASE(not_due_wins_over_not_running) {
  trigger_policy p{every(1s)};
  p.start(at(0ms));
  BOOST_CHECK(is(p.decide(at(500ms), 0, false), trigger_verdict::wait_for_interval));
  // Too many concurrent is reported before not running (nothing to decline).
  BOOST_CHECK(is(p.decide(at(1s), 1, false), trigger_verdict::too_many_concurrent));
}

BOOST_AUTO_TEST_CASE(decide_changes_nothing) {
  trigger_policy p{every(1s)};
  p.start(at(0ms));
  for (int i = 0; i < 3; ++i)
    BOOST_CHECK(is(p.decide(at(1s), 0, true), trigger_verdict::trigger));
  BOOST_CHECK(p.next_due() == at(1s));
}

BOOST_AUTO_TEST_CASE(verdict_names) {
  BOOST_CHECK_EQUAL(to_string(trigger_verdict::trigger), "trigger");
  BOOST_CHECK_EQUAL(to_string(trigger_verdict::wait_for_min_pause), "wait_for_min_pause");
  BOOST_CHECK_EQUAL(to_string(trigger_verdict::not_all_running), "not_all_running");
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace trigger_policy_test
