// Event-time windows and timers through whole jobs (issue 8): the results
// of a keyed tumbling window and of event-time timers against a reference
// computed here, with out-of-order input.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>
#include <random>
#include <tuple>
#include <vector>

#include "operators/environment.hpp"
#include "tests/checkpoint/checkpoint_test_util.hpp"
#include "tests/operators/punctuated_watermarks.hpp"
#include "tests/poll_until.hpp"

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
  // Stop once events entered and some window fired (events, not a sleep).
  BOOST_REQUIRE_MESSAGE(sluice::testing::poll_until(
                          [&] { return *entered >= 100 && *counted > 0; }, 60s),
                        "no window fired within 60 s");
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

namespace {

auto every_event() {
  return watermark_strategy<reading>::for_generator([] {
           return std::make_unique<sluice::testing::every_event_watermarks>();
         })
    .with_timestamp_assigner([](const reading& r) { return r.time; });
}

auto sum_readings = [](const reading& a, const reading& b) {
  return reading{a.sensor, a.value + b.value, std::min(a.time, b.time)};
};

} // namespace

// The late-data side output through a whole job: one assigner subtask
// with a watermark after every record, so the reference below knows which
// readings are late (their 1 s window's end passed the watermark). The
// windows sum exactly the others; the side output carries exactly the
// late ones, with their timestamps.
BOOST_AUTO_TEST_CASE(late_elements_reach_the_side_output_exactly) {
  auto xs = out_of_order(3000, 11);
  std::map<std::pair<int32_t, int64_t>, int64_t> expected;
  std::vector<std::tuple<int32_t, int64_t, int64_t>> expected_late;
  timestamp wm = min_timestamp;
  for (auto& r : xs) {
    auto start = r.time / 1000 * 1000;
    if (start + 999 <= wm)
      expected_late.emplace_back(r.sensor, r.value, r.time);
    else
      expected[{r.sensor, start}] += r.value;
    wm = std::max(wm, r.time - 1);
  }
  environment env;
  env.set_parallelism(2);
  output_tag<reading> late{"late-readings"};
  auto sums = env.from_collection(xs)
                .assign_timestamps_and_watermarks(every_event())
                .parallelism(1)
                .key_by([](const reading& r) { return r.sensor; })
                .window(tumbling_event_time_windows::of(1s))
                .side_output_late_data(late)
                .reduce(sum_readings);
  auto out = sums.collect();
  auto late_out = sums.get_side_output(late).map([](const reading& r) { return r; }).collect();
  auto result = env.execute("late-data");
  BOOST_REQUIRE_MESSAGE(result.status == job_status::finished, result.message);
  std::map<std::pair<int32_t, int64_t>, int64_t> got;
  for (auto& r : out->values())
    got[{r.sensor, r.time / 1000 * 1000}] += r.value;
  BOOST_CHECK(got == expected);
  std::vector<std::tuple<int32_t, int64_t, int64_t>> got_late;
  for (auto& r : late_out->values())
    got_late.emplace_back(r.sensor, r.value, r.time);
  std::sort(got_late.begin(), got_late.end());
  std::sort(expected_late.begin(), expected_late.end());
  BOOST_CHECK(got_late == expected_late);
  BOOST_CHECK_GT(expected_late.size(), 100u); // the input has late readings
}

namespace {

/// (count, sum) of readings, as a Flink AggregateFunction.
struct count_and_sum {
  std::pair<int64_t, int64_t> create() const {
    return {0, 0};
  }
  std::pair<int64_t, int64_t> add(const reading& r, std::pair<int64_t, int64_t> acc) const {
    return {acc.first + 1, acc.second + r.value};
  }
  std::pair<int64_t, int64_t> result(const std::pair<int64_t, int64_t>& acc) const {
    return acc;
  }
  std::pair<int64_t, int64_t> merge(std::pair<int64_t, int64_t> a,
                                    std::pair<int64_t, int64_t> b) const {
    return {a.first + b.first, a.second + b.second};
  }
};

using window_row = std::tuple<int32_t, int64_t, int64_t, int64_t>; // key, start, count, sum

/// Adds the key and the window start to the aggregate's single result.
class label_window final
  : public process_window_function<int32_t, std::pair<int64_t, int64_t>, window_row,
                                   time_window> {
public:
  void process(const int32_t& key, const window_context<time_window>& ctx,
               const std::vector<std::pair<int64_t, int64_t>>& results,
               collector<window_row>& out) override {
    for (auto& [count, sum] : results)
      out.collect({key, ctx.window.start, count, sum});
  }
};

/// Counts how often it fired per key (one result per fire: the reduced
/// reading, its value being the window's sum).
class number_fires final
  : public process_window_function<int32_t, reading, std::pair<int32_t, int64_t>,
                                   global_window> {
public:
  void process(const int32_t& key, const window_context<global_window>&,
               const std::vector<reading>& reduced,
               collector<std::pair<int32_t, int64_t>>& out) override {
    if (reduced.size() != 1)
      throw std::runtime_error{"a reduce handed over more than one result"};
    out.collect({key, reduced.front().value});
  }
};

} // namespace

// Incremental functions with a window function (Flink's aggregate(agg,
// windowFn) / reduce(fn, windowFn)): the window function gets the one
// incremental result and the window. Tumbling 1 s windows with (count,
// sum) labelled by window; sliding count windows (4, every 2) whose sums
// per key equal the reference's.
BOOST_AUTO_TEST_CASE(incremental_results_reach_a_window_function) {
  auto xs = out_of_order(2000, 5);
  std::set<window_row> expected;
  {
    std::map<std::pair<int32_t, int64_t>, std::pair<int64_t, int64_t>> acc;
    for (auto& r : xs) {
      auto& a = acc[{r.sensor, r.time / 1000 * 1000}];
      a = {a.first + 1, a.second + r.value};
    }
    for (auto& [k, a] : acc)
      expected.insert({k.first, k.second, a.first, a.second});
  }
  std::map<int32_t, std::vector<int64_t>> expected_sums, seen;
  for (auto& r : xs) {
    auto& s = seen[r.sensor];
    s.push_back(r.value);
    if (s.size() % 2 == 0) {
      int64_t sum = 0;
      for (size_t i = s.size() > 4 ? s.size() - 4 : 0; i < s.size(); ++i)
        sum += s[i];
      expected_sums[r.sensor].push_back(sum);
    }
  }
  environment env;
  env.set_parallelism(2);
  auto keyed = env.from_collection(xs)
                 .assign_timestamps_and_watermarks(by_time())
                 .parallelism(1) // one channel per window subtask: per-key order kept
                 .key_by([](const reading& r) { return r.sensor; });
  auto rows = keyed.window(tumbling_event_time_windows::of(1s))
                .aggregate(count_and_sum{}, label_window{})
                .collect();
  auto sums = keyed.count_window(4, 2).reduce(sum_readings, number_fires{}).collect();
  auto result = env.execute("window-functions");
  BOOST_REQUIRE_MESSAGE(result.status == job_status::finished, result.message);
  auto got = rows->values();
  BOOST_CHECK_EQUAL(got.size(), expected.size()); // each window once
  BOOST_CHECK(std::set<window_row>(got.begin(), got.end()) == expected);
  std::map<int32_t, std::vector<int64_t>> got_sums;
  for (auto& [key, sum] : sums->values())
    got_sums[key].push_back(sum);
  BOOST_CHECK(got_sums == expected_sums);
}

// get_side_output checks its tag when the job is defined: an operator
// without that side output, or a tag of another record type, is refused
// naming the tag; an empty tag id is refused.
BOOST_AUTO_TEST_CASE(get_side_output_refuses_unknown_tags) {
  auto message_of = [](auto&& f) -> std::string {
    try {
      f();
    } catch (const sluice::exception& e) {
      return std::string{to_string(e.code())} + ": " + e.what();
    }
    return "no error";
  };
  environment env;
  auto keyed = env.from_collection(out_of_order(10, 1))
                 .assign_timestamps_and_watermarks(by_time())
                 .key_by([](const reading& r) { return r.sensor; });
  auto plain = keyed.window(tumbling_event_time_windows::of(1s)).reduce(sum_readings);
  output_tag<reading> late{"late"};
  auto msg = message_of([&] { plain.get_side_output(late); });
  BOOST_CHECK_MESSAGE(msg.find("has no side output 'late'") != std::string::npos, msg);
  auto with = keyed.window(tumbling_event_time_windows::of(1s))
                .side_output_late_data(late)
                .reduce(sum_readings);
  msg = message_of([&] { with.get_side_output(output_tag<int>{"late"}); });
  BOOST_CHECK_MESSAGE(msg.find("side output 'late'") != std::string::npos
                        && msg.find("another record type") != std::string::npos,
                      msg);
  msg = message_of([] { output_tag<reading>{""}; });
  BOOST_CHECK_MESSAGE(msg.find("non-empty id") != std::string::npos, msg);
}

BOOST_AUTO_TEST_SUITE_END()
