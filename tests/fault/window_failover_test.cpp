// Windows and timers exactly once across failures (issue 8). Injects 10
// kills of random subtask actors (click source, the window or timer
// operator, the transactional file sink; parallelism 2) while the job runs,
// each followed by a restart from the latest completed checkpoint. Checks:
// the committed output holds exactly the reference's results, each (key,
// window) once with its exact count. This breaks if window contents,
// timers or the merging state were not part of the checkpoint (lost or
// repeated windows after a restore), or if a restored timer did not fire.
// A stop-with-savepoint and a resume at another parallelism:
// window_savepoint_rescale_test.cpp.
#include <boost/test/unit_test.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <ostream>
#include <random>
#include <thread>

#include <caf/all.hpp>

#include "actors/job_master.hpp"
#include "tests/fault/window_failover_util.hpp"

using namespace sluice;
using namespace sluice::testing;
using namespace sluice::window_failover_test;
using namespace std::chrono_literals;

namespace {

struct window_case {
  const char* name;
  shape what;
  state_backend_kind backend;
};

std::ostream& operator<<(std::ostream& os, const window_case& c) {
  return os << c.name;
}

const window_case cases[] = {
  {"tumbling-reduce-hashmap", shape::tumbling_reduce, state_backend_kind::hashmap},
  {"sliding-process-lmdb", shape::sliding_process, state_backend_kind::lmdb},
  {"event-time-timers-hashmap", shape::timers, state_backend_kind::hashmap},
};

/// Counts the events of a window; the result names the key and window
/// start taken from the events (all of one key, the start by their time).
struct count_of_events {
  window_count create() const {
    return {};
  }
  window_count add(const event& e, window_count acc) const {
    if (acc.count == 0) {
      acc.user = e.user;
      acc.start = e.timestamp / 1000 * 1000;
    }
    ++acc.count;
    return acc;
  }
  window_count result(const window_count& acc) const {
    return acc;
  }
  window_count merge(window_count a, const window_count& b) const {
    a.count += b.count;
    return a;
  }
};

/// A tumbling 1 s count by hand: a count per (key, second) in map state
/// and an event-time timer at the second's end.
class per_second final : public keyed_process_function<std::string, event, window_count> {
public:
  void open(keyed_context<std::string>& ctx) override {
    counts_ = &ctx.state(map_state_descriptor<int64_t, int64_t>{"per-second"});
  }
  void process_element(const event& e, keyed_context<std::string>& ctx,
                       collector<window_count>&) override {
    auto start = e.timestamp / 1000 * 1000;
    auto* n = counts_->get(start);
    counts_->put(start, n == nullptr ? 1 : *n + 1);
    ctx.register_event_time_timer(start + 999);
  }
  void on_timer(timestamp t, keyed_context<std::string>& ctx,
                collector<window_count>& out) override {
    auto start = t - 999;
    if (auto* n = counts_->get(start)) {
      out.collect({ctx.current_key(), start, *n});
      counts_->remove(start);
    }
  }

private:
  map_state<int64_t, int64_t>* counts_ = nullptr;
};

std::vector<subtask_actor> subtasks_of(environment& env, const job_client& job) {
  caf::scoped_actor self{env.system()};
  std::vector<subtask_actor> result;
  self->request(master_of(job), caf::infinite, subtasks_atom::value)
    .receive([&](std::vector<subtask_actor>& xs) { result = std::move(xs); },
             [&](caf::error&) {});
  return result;
}

} // namespace

namespace sluice::window_failover_test {

stream<window_count> tumbling_counts(const keyed_clicks& keyed) {
  return keyed.window(tumbling_event_time_windows::of(1s)).aggregate(count_of_events{}).uid(
    "windows");
}

stream<window_count> timer_counts(const keyed_clicks& keyed) {
  return keyed.process(per_second{}).uid("windows");
}

} // namespace sluice::window_failover_test

BOOST_AUTO_TEST_SUITE(window_failover)

BOOST_DATA_TEST_CASE(killed_subtasks_leave_every_window_result_committed_once,
                     boost::unit_test::data::make(cases), c) {
  temp_dir dir;
  auto out = dir.path / "out";
  auto opts = clicks();
  auto env = make_env(dir.path, 2, c.backend);
  build_job(*env, c.what, opts, out);
  auto job = env->execute_async("windows-under-kills");
  std::mt19937_64 rng{17};
  size_t kills = 0;
  for (size_t k = 0; k < 10 && !job.wait_for(0ms); ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds{60 + rng() % 120});
    auto subtasks = subtasks_of(*env, job);
    if (subtasks.empty() || job.wait_for(0ms))
      break;
    auto before = job.restart_stats().restarts;
    caf::anon_send_exit(subtasks[rng() % subtasks.size()], caf::exit_reason::kill);
    BOOST_REQUIRE(poll_until(
      [&] { return job.restart_stats().restarts > before || job.wait_for(0ms).has_value(); },
      30s));
    kills += job.restart_stats().restarts > before ? 1 : 0;
  }
  auto result = job.wait_for(120s);
  BOOST_REQUIRE_MESSAGE(result, "the job did not end within 120 s");
  BOOST_REQUIRE_MESSAGE(result->status == job_status::finished, result->message);
  BOOST_TEST_MESSAGE(c << ": " << kills << " kills, restored checkpoint "
                       << result->restarts.restored_checkpoint);
  BOOST_CHECK_GE(kills, 5u);
  check_committed(out, reference(c.what, opts));
}

BOOST_AUTO_TEST_SUITE_END()
