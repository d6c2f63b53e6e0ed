// Event-time timers through whole jobs (issue 8): a keyed process function
// registering an event-time timer per reading, with out-of-order input;
// the timers fire once per distinct (key, time), in time order per key,
// with the timer's time as timestamp, against a reference computed here.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "operators/environment.hpp"
#include "tests/operators/window_pipeline_util.hpp"

using namespace sluice;

namespace window_timers_test {

using namespace sluice::window_job_test;

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

BOOST_AUTO_TEST_SUITE(window_pipeline)

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

BOOST_AUTO_TEST_SUITE_END()

} // namespace window_timers_test
