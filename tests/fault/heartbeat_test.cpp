// The heartbeat watchdog: a subtask stuck in user code (it never returns
// to its mailbox) is detected by heartbeat.timeout, written off, and the
// job restarts from its latest checkpoint without waiting for it. The stuck
// call returns only once the test saw the restart (or after a 60 s hang
// guard): without the watchdog the job would wait for the stuck subtask
// (in real life forever) and never restart while it is stuck.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <set>
#include <thread>

#include "operators/environment.hpp"
#include "tests/poll_until.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace heartbeat_test {

BOOST_AUTO_TEST_SUITE(heartbeat_watchdog)

BOOST_AUTO_TEST_CASE(a_stuck_subtask_is_failed_by_the_heartbeat_timeout) {
  auto pc = default_pipeline_config();
  pc.threads = 3; // the stuck subtask holds one
  pc.parallelism = 1;
  pc.heartbeat_interval = 50ms;
  pc.heartbeat_timeout = 1s; // healthy subtasks answer well within it, also under load
  environment env{pc};
  checkpoint_config cfg;
  cfg.interval = 20ms;
  env.set_checkpoint_config(cfg);
  env.set_restart_strategy(restart_config::fixed_delay(3, 0ms));
  click_source_options opts;
  opts.count = 4000;
  opts.rate = 4000;
  opts.users = 10;
  // The first attempt to see event 2000 stalls without returning to its
  // mailbox until `release` (the test sets it once the job restarted).
  struct stall {
    std::atomic<bool> stalled{false};
    std::atomic<bool> release{false};
    std::atomic<bool> returned{false};
  };
  auto st = std::make_shared<stall>();
  auto target = click_event_at(opts, 2000).timestamp;
  auto out = env.click_events(opts)
               .map([st, target](const event& e) {
                 if (e.timestamp == target && !st->stalled.exchange(true)) {
                   sluice::testing::poll_until([&] { return st->release.load(); }, 60s, 1ms);
                   st->returned = true;
                 }
                 return e.timestamp;
               })
               .collect();
  auto job = env.execute_async("stuck");
  // The restart happens while the stuck call has not returned.
  bool restarted_while_stuck = sluice::testing::poll_until(
    [&] { return job.restart_stats().restarts >= 1; }, 60s);
  bool still_stuck = !st->returned.load();
  st->release = true;
  BOOST_REQUIRE_MESSAGE(restarted_while_stuck, "no restart within 60 s of a stuck subtask");
  BOOST_CHECK_MESSAGE(still_stuck, "the restart waited for the stuck call to return");
  auto result = job.wait_for(60s);
  BOOST_REQUIRE(result);
  BOOST_REQUIRE_MESSAGE(result->status == job_status::finished, result->message);
  BOOST_CHECK(st->stalled.load());
  BOOST_CHECK_EQUAL(result->restarts.restarts, 1u);
  BOOST_CHECK_MESSAGE(result->restarts.last_failure.find("heartbeat") != std::string::npos,
                      result->restarts.last_failure);
  // Every event reached the sink (at least once: replays after the restart).
  std::set<int64_t> seen;
  for (auto ts : out->values())
    seen.insert(ts);
  BOOST_CHECK_EQUAL(seen.size(), opts.count);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace heartbeat_test
