// Event-time windows and timers through whole jobs (issue 8): the results
// of a keyed tumbling window and of event-time timers against a reference
// computed here, with out-of-order input.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <map>
#include <set>
#include <thread>
#include <random>
#include <tuple>
#include <vector>

#include "operators/environment.hpp"
#include "tests/checkpoint/checkpoint_test_util.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

struct reading {
  int32_t sensor = 0;
  int64_t value = 0;
  int64_t time = 0;
  friend bool operator==(const reading&, const reading&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reading& x) {
  return f(x.sensor, x.value, x.time);
}

/// `n` readings of 5 sensors, times mostly rising with jitter of up to 3 s.
std::vector<reading> out_of_order(size_t n, uint32_t seed) {
  std::mt19937 rng{seed};
  std::vector<reading> xs;
  for (size_t i = 0; i < n; ++i) {
    auto jitter = static_cast<int64_t>(rng() % 3000);
    xs.push_back({static_cast<int32_t>(rng() % 5), static_cast<int64_t>(rng() % 100),
                  static_cast<int64_t>(i) * 100 + jitter});
  }
  return xs;
}

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

auto by_time() {
  return watermark_strategy<reading>::for_bounded_out_of_orderness(3s).with_timestamp_assigner(
    [](const reading& r) { return r.time; });
}

} // namespace

BOOST_AUTO_TEST_SUITE(window_pipeline)

// A tumbling 1 s event-time window summing values per sensor: with a bound
// of 3 s no element is late, so every (sensor, window) sum equals the
// reference, each emitted exactly once.
BOOST_AUTO_TEST_CASE(tumbling_event_time_sums_match_the_reference) {
  auto xs = out_of_order(2000, 7);
  std::map<std::pair<int32_t, int64_t>, int64_t> expected;
  for (auto& r : xs)
    expected[{r.sensor, r.time / 1000 * 1000}] += r.value;
  environment env;
  env.set_parallelism(2);
  auto out = env.from_collection(xs)
               .assign_timestamps_and_watermarks(by_time())
               .key_by([](const reading& r) { return r.sensor; })
               .window(tumbling_event_time_windows::of(1s))
               .reduce([](const reading& a, const reading& b) {
                 return reading{a.sensor, a.value + b.value, std::min(a.time, b.time)};
               })
               .collect();
  auto result = env.execute("tumbling");
  BOOST_REQUIRE_MESSAGE(result.status == job_status::finished, result.message);
  std::map<std::pair<int32_t, int64_t>, int64_t> got;
  for (auto& r : out->values()) {
    auto k = std::make_pair(r.sensor, r.time / 1000 * 1000);
    BOOST_CHECK_MESSAGE(got.count(k) == 0, "window fired twice");
    got[k] = r.value;
  }
  BOOST_CHECK(got == expected);
}

namespace {

/// Emits (sensor, count of readings) once event time passes a reading's
/// time + 500 ms: an event-time timer per reading, counted when it fires.
class delayed_count final : public keyed_process_function<int32_t, reading, reading> {
public:
  void open(keyed_context<int32_t>& ctx) override {
    count_ = &ctx.state(value_state_descriptor<int64_t>{"count"});
  }
  void process_element(const reading& r, keyed_context<int32_t>& ctx,
                       collector<reading>&) override {
    if (ctx.timestamp() != r.time)
      ctx.fail("element timestamp differs from the record's time");
    ctx.register_event_time_timer(r.time + 500);
  }
  void on_timer(timestamp t, keyed_context<int32_t>& ctx, collector<reading>& out) override {
    if (ctx.time_domain() != time_domain::event_time)
      ctx.fail("a processing-time timer fired");
    auto n = count_->value_or(0) + 1;
    count_->update(n);
    out.collect({ctx.current_key(), n, t});
  }

private:
  value_state<int64_t>* count_ = nullptr;
};

} // namespace

// Event-time timers fire once per distinct (key, time), in time order per
// key, with the timer's time as timestamp.
BOOST_AUTO_TEST_CASE(event_time_timers_fire_once_per_key_and_time) {
  auto xs = out_of_order(1000, 3);
  std::map<int32_t, std::set<int64_t>> expected;
  for (auto& r : xs)
    expected[r.sensor].insert(r.time + 500);
  environment env;
  env.set_parallelism(2);
  auto out = env.from_collection(xs)
               .assign_timestamps_and_watermarks(by_time())
               .key_by([](const reading& r) { return r.sensor; })
               .process(delayed_count{})
               .collect();
  auto result = env.execute("timers");
  BOOST_REQUIRE_MESSAGE(result.status == job_status::finished, result.message);
  std::map<int32_t, std::vector<int64_t>> fired;
  for (auto& r : out->values()) {
    auto& f = fired[r.sensor];
    BOOST_CHECK_EQUAL(r.value, static_cast<int64_t>(f.size()) + 1); // counted in order
    f.push_back(r.time);
  }
  for (auto& [sensor, times] : expected) {
    auto& f = fired[sensor];
    BOOST_CHECK(std::is_sorted(f.begin(), f.end()));
    BOOST_CHECK(std::set<int64_t>(f.begin(), f.end()) == times);
    BOOST_CHECK_EQUAL(f.size(), times.size());
  }
}

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
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (*fired == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
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
  env.set_parallelism(1).enable_checkpointing(50ms);
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
  std::this_thread::sleep_for(300ms);
  job.savepoint((dir.path / "sp").string(), mode);
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
