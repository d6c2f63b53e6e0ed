// Windows and timers exactly once across failures (issue 8). Injects: 10
// kills of random subtask actors (click source, the window or timer
// operator, the transactional file sink; parallelism 2) while the job runs,
// each followed by a restart from the latest completed checkpoint; and a
// stop-with-savepoint followed by a resume at another parallelism on the
// other state backend. Checks: the committed output holds exactly the
// reference's results, each (key, window) once with its exact count. This
// breaks if window contents, timers or the merging state were not part of
// the checkpoint (lost or repeated windows after a restore), if a restored
// timer did not fire, or if rescaling lost the key groups' windows.
#include <boost/test/unit_test.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <algorithm>
#include <map>
#include <random>

#include <caf/all.hpp>

#include "actors/job_master.hpp"
#include "operators/transactional_file_sink.hpp"
#include "tests/checkpoint/coordinator_test_util.hpp"
#include "tests/fault/line_diff.hpp"

using namespace sluice;
using namespace sluice::testing;
using namespace std::chrono_literals;

namespace {

enum class shape { tumbling_reduce, sliding_process, timers };

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

/// (user, window start, count) as the output line "user,start,count".
struct window_count {
  std::string user;
  int64_t start = 0;
  int64_t count = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, window_count& x) {
  return f(x.user, x.start, x.count);
}

std::string line_of(const window_count& w) {
  return w.user + "," + std::to_string(w.start) + "," + std::to_string(w.count);
}

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

class count_all final : public process_window_function<std::string, event, window_count,
                                                         time_window> {
public:
  void process(const std::string& key, const window_context<time_window>& ctx,
               const std::vector<event>& elements, collector<window_count>& out) override {
    out.collect({key, ctx.window.start, static_cast<int64_t>(elements.size())});
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

click_source_options clicks() {
  click_source_options opts;
  opts.count = 200'000;
  opts.rate = 80'000; // about 2.5 s without failures
  opts.users = 20;
  opts.timestamp_step_ms = 3; // 600 s of event time
  return opts;
}

/// What the job must commit, as sorted lines.
std::vector<std::string> reference(shape what, const click_source_options& opts) {
  std::map<std::pair<std::string, int64_t>, int64_t> counts;
  for (uint64_t i = 0; i < opts.count; ++i) {
    auto e = click_event_at(opts, i);
    if (what == shape::sliding_process) { // 5 s windows every 1 s
      auto last = e.timestamp / 1000 * 1000;
      for (auto start = last; start > e.timestamp - 5000; start -= 1000)
        ++counts[{e.user, start}];
    } else {
      ++counts[{e.user, e.timestamp / 1000 * 1000}];
    }
  }
  std::vector<std::string> lines;
  for (auto& [k, n] : counts)
    lines.push_back(line_of({k.first, k.second, n}));
  std::sort(lines.begin(), lines.end());
  return lines;
}

void build_job(environment& env, shape what, const click_source_options& opts,
               const std::filesystem::path& out) {
  // The click source cannot rescale: it keeps parallelism 2, the windows
  // take the environment's.
  auto source = env.click_events(opts);
  source.uid("clicks").parallelism(2);
  auto keyed = source
                 .assign_timestamps_and_watermarks(
                   watermark_strategy<event>::for_monotonous_timestamps().with_timestamp_assigner(
                     [](const event& e) { return e.timestamp; }))
                 .uid("timestamps")
                 .parallelism(2)
                 .key_by([](const event& e) { return e.user; });
  stream<window_count> counts = [&] {
    switch (what) {
      case shape::tumbling_reduce:
        return keyed.window(tumbling_event_time_windows::of(1s))
          .aggregate(count_of_events{})
          .uid("windows");
      case shape::sliding_process:
        return keyed.window(sliding_event_time_windows::of(5s, 1s)).process(count_all{}).uid(
          "windows");
      default:
        return keyed.process(per_second{}).uid("windows");
    }
  }();
  counts.map([](const window_count& w) { return line_of(w); })
    .uid("lines")
    .rebalance()
    .template then<std::string>(
      "file-sink", [out] { return std::make_unique<transactional_file_sink<std::string>>(out); })
    .uid("file-sink");
}

std::vector<subtask_actor> subtasks_of(environment& env, const job_client& job) {
  caf::scoped_actor self{env.system()};
  std::vector<subtask_actor> result;
  self->request(master_of(job), caf::infinite, subtasks_atom::value)
    .receive([&](std::vector<subtask_actor>& xs) { result = std::move(xs); },
             [&](caf::error&) {});
  return result;
}

std::unique_ptr<environment> make_env(const std::filesystem::path& dir, uint32_t parallelism,
                                      state_backend_kind backend) {
  auto pc = default_pipeline_config();
  pc.threads = 2;
  pc.parallelism = parallelism;
  auto env = std::make_unique<environment>(pc);
  env->set_checkpoint_config(retain_all(dir / "checkpoints", 30ms));
  state_config state;
  state.backend = backend;
  state.local_dir = (dir / "lmdb").string();
  env->set_state_config(state);
  env->set_restart_config(restart_config::fixed_delay(100, std::chrono::milliseconds{0}));
  return env;
}

void check_committed(const std::filesystem::path& out, const std::vector<std::string>& expected) {
  auto got = read_committed_lines(out);
  std::sort(got.begin(), got.end());
  BOOST_CHECK_EQUAL(got.size(), expected.size());
  auto [missing, extra] = sluice::testing::diff_sorted_lines(expected, got);
  BOOST_CHECK_MESSAGE(missing.empty(), missing.size() << " results lost, e.g. "
                                                      << line_diff::first(missing));
  BOOST_CHECK_MESSAGE(extra.empty(), extra.size() << " results wrong or repeated, e.g. "
                                                  << line_diff::first(extra));
}

} // namespace

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

// Stop with a savepoint at parallelism 2 on hashmap, resume at 3 on lmdb:
// the windows open at the savepoint (contents, timers) move to their key
// groups' new subtasks and fire there; the output of both runs together is
// exact.
BOOST_AUTO_TEST_CASE(windows_survive_a_savepoint_and_a_rescale) {
  temp_dir dir;
  auto out = dir.path / "out";
  auto opts = clicks();
  std::string sp;
  {
    auto env = make_env(dir.path / "first", 2, state_backend_kind::hashmap);
    build_job(*env, shape::sliding_process, opts, out);
    auto job = env->execute_async("windows-before");
    BOOST_REQUIRE(
      poll_until([&] { return job.checkpoint_stats().counts.completed >= 2; }, 30s));
    sp = job.savepoint((dir.path / "sp").string(), savepoint_mode::stop);
    auto result = job.wait_for(30s);
    BOOST_REQUIRE(result);
    BOOST_REQUIRE_MESSAGE(result->status == job_status::finished, result->message);
  }
  auto env = make_env(dir.path / "second", 3, state_backend_kind::lmdb);
  env->restore_from(sp);
  build_job(*env, shape::sliding_process, opts, out);
  auto result = env->execute_async("windows-after").wait_for(120s);
  BOOST_REQUIRE(result);
  BOOST_REQUIRE_MESSAGE(result->status == job_status::finished, result->message);
  check_committed(out, reference(shape::sliding_process, opts));
}

BOOST_AUTO_TEST_SUITE_END()
