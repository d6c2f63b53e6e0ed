// The heartbeat watchdog: a subtask stuck in user code (it never returns
// to its mailbox) is detected within heartbeat.timeout, written off, and
// the job restarts from its latest checkpoint without waiting for it.
// Without the watchdog the job would wait for the stuck subtask (here 4 s,
// in real life forever) and never restart.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <set>
#include <thread>

#include "operators/environment.hpp"

using namespace sluice;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(heartbeat_watchdog)

BOOST_AUTO_TEST_CASE(a_stuck_subtask_is_failed_by_the_heartbeat_timeout) {
  auto pc = default_pipeline_config();
  pc.threads = 3; // the stuck subtask holds one
  pc.parallelism = 1;
  pc.heartbeat_interval = 50ms;
  pc.heartbeat_timeout = 400ms;
  environment env{pc};
  checkpoint_config cfg;
  cfg.interval = 20ms;
  env.set_checkpoint_config(cfg);
  env.set_restart_config(restart_config::fixed_delay(3, 0ms));
  click_source_options opts;
  opts.count = 4000;
  opts.rate = 4000;
  opts.users = 10;
  auto stalled = std::make_shared<std::atomic<bool>>(false);
  auto target = click_event_at(opts, 2000).timestamp;
  auto out = env.click_events(opts)
               .map([stalled, target](const event& e) {
                 // The first attempt to see event 2000 stalls for 4 s
                 // without returning to its mailbox.
                 if (e.timestamp == target && !stalled->exchange(true))
                   std::this_thread::sleep_for(4s);
                 return e.timestamp;
               })
               .collect();
  auto job = env.execute_async("stuck");
  auto result = job.wait_for(60s);
  BOOST_REQUIRE(result);
  BOOST_REQUIRE_MESSAGE(result->status == job_status::finished, result->message);
  BOOST_CHECK(stalled->load());
  BOOST_CHECK_EQUAL(result->restarts.restarts, 1u);
  BOOST_CHECK_MESSAGE(result->restarts.last_failure.find("heartbeat") != std::string::npos,
                      result->restarts.last_failure);
  // Restarted long before the stuck call returned.
  BOOST_CHECK_LT(result->restarts.downtime, 2s);
  // Every event reached the sink (at least once: replays after the restart).
  std::set<int64_t> seen;
  for (auto ts : out->values())
    seen.insert(ts);
  BOOST_CHECK_EQUAL(seen.size(), opts.count);
}

BOOST_AUTO_TEST_SUITE_END()
