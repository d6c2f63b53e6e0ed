// What lets event-time windows fire in a running job (issue 8): an idle
// input's watermark status releases the windows it would hold back; stop
// --drain advances event time to the end before the savepoint, so every
// window fires, and a plain stop fires nothing more.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "operators/environment.hpp"
#include "tests/checkpoint/checkpoint_test_util.hpp"
#include "tests/poll_until.hpp"
#include "tests/savepoint_taken.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

/// Counts elements (an aggregate with create/add/result/merge).
struct count_pairs {
  int64_t create() const {
    return 0;
  }
  int64_t add(const std::pair<std::string, int64_t>&, int64_t n) const {
    return n + 1;
  }
  int64_t result(int64_t n) const {
    return n;
  }
  int64_t merge(int64_t a, int64_t b) const {
    return a + b;
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(window_pipeline)

// Idleness: a keyed window reads a busy click stream and a second stream
// that never produces (an open inlet). With idleness on the second
// stream's watermark strategy, its idle status releases the window's
// watermark, so windows fire while the job runs; without it nothing could
// fire before that stream ended.
BOOST_AUTO_TEST_CASE(an_idle_input_does_not_hold_windows_back) {
  click_source_options opts;
  opts.count = 0; // unbounded
  opts.rate = 2000;
  opts.users = 3;
  auto quiet = make_inlet<event>(16);
  auto fired = std::make_shared<std::atomic<size_t>>(0);
  environment env;
  env.set_parallelism(1).set_auto_watermark_interval(20ms);
  auto ts = [](const event& e) { return e.timestamp; };
  auto busy = env.click_events(opts).assign_timestamps_and_watermarks(
    watermark_strategy<event>::for_monotonous_timestamps().with_timestamp_assigner(ts));
  auto idle = env.from_inlet(quiet).assign_timestamps_and_watermarks(
    watermark_strategy<event>::for_monotonous_timestamps()
      .with_timestamp_assigner(ts)
      .with_idleness(100ms));
  busy.union_with(idle)
    .key_by([](const event& e) { return e.user; })
    .window(tumbling_event_time_windows::of(10s))
    .reduce([](const event& a, const event&) { return a; })
    .sink_to([fired](std::vector<event> xs) { *fired += xs.size(); });
  auto job = env.execute_async("idle-input");
  sluice::testing::poll_until([&] { return *fired > 0; }, 60s, 10ms);
  BOOST_CHECK_MESSAGE(*fired > 0, "no window fired while an input was idle");
  job.cancel();
  quiet->close();
  BOOST_REQUIRE(job.wait_for(30s));
}

namespace {

/// Runs tumbling 100 ms event-time window counts over an unbounded click
/// stream until a stop-with-savepoint in `mode`; returns (events that
/// entered the pipeline, sum of the counts the windows emitted).
std::pair<int64_t, int64_t> stop_windows(savepoint_mode mode) {
  sluice::testing::temp_dir dir;
  click_source_options opts;
  opts.count = 0;
  opts.rate = 5000;
  opts.users = 4;
  opts.timestamp_step_ms = 10;
  auto entered = std::make_shared<std::atomic<int64_t>>(0);
  auto counted = std::make_shared<std::atomic<int64_t>>(0);
  environment env;
  env.set_parallelism(1);
  auto checkpoints = env.checkpointing();
  checkpoints.interval = 50ms;
  env.set_checkpoint_config(checkpoints);
  env.click_events(opts)
    .map([entered](const event& e) {
      ++*entered;
      return std::make_pair(e.user, e.timestamp);
    })
    .assign_timestamps_and_watermarks(
      watermark_strategy<std::pair<std::string, int64_t>>::for_monotonous_timestamps()
        .with_timestamp_assigner([](const auto& p) { return p.second; }))
    .key_by([](const auto& p) { return p.first; })
    .window(tumbling_event_time_windows::of(100ms))
    .aggregate(count_pairs{})
    .sink_to([counted](std::vector<int64_t> xs) {
      for (auto n : xs)
        *counted += n;
    });
  auto job = env.execute_async("stop-windows");
  // Stop once events entered and some window fired (events, not a sleep).
  BOOST_REQUIRE_MESSAGE(sluice::testing::poll_until(
                          [&] { return *entered >= 100 && *counted > 0; }, 60s),
                        "no window fired within 60 s");
  sluice::testing::taken(job.savepoint((dir.path / "sp").string(), mode));
  auto result = job.wait_for(30s);
  BOOST_REQUIRE(result);
  BOOST_REQUIRE_MESSAGE(result->status == job_status::finished, result->message);
  return {entered->load(), counted->load()};
}

} // namespace

// stop --drain advances event time to the end before the savepoint, so
// every window fires: the windows counted every event that entered. A
// plain stop fires nothing more: windows still open keep their events
// (in the savepoint), so fewer are counted.
BOOST_AUTO_TEST_CASE(stop_with_drain_fires_every_window_and_plain_stop_does_not) {
  auto [entered, counted] = stop_windows(savepoint_mode::stop_and_drain);
  BOOST_CHECK_GT(entered, 0);
  BOOST_CHECK_EQUAL(counted, entered);
  auto [entered2, counted2] = stop_windows(savepoint_mode::stop);
  BOOST_CHECK_GT(entered2, 0);
  BOOST_CHECK_LT(counted2, entered2);
}

BOOST_AUTO_TEST_SUITE_END()
