// Windows across a stop-with-savepoint and a rescale (issue 8): a job of
// sliding event-time windows stopped with a savepoint at parallelism 2 on
// the hashmap backend and resumed from it at parallelism 3 on lmdb. Checks:
// the output of both runs together holds exactly the reference's results,
// each (key, window) once with its exact count. This breaks if rescaling
// lost the key groups' windows (contents, timers). Kills while a job runs:
// window_failover_test.cpp.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "tests/fault/window_failover_util.hpp"
#include "tests/savepoint_taken.hpp"

using namespace sluice;
using namespace sluice::testing;
using namespace sluice::window_failover_test;
using namespace std::chrono_literals;

namespace {

class count_all final : public process_window_function<std::string, event, window_count,
                                                         time_window> {
public:
  void process(const std::string& key, const window_context<time_window>& ctx,
               const std::vector<event>& elements, collector<window_count>& out) override {
    out.collect({key, ctx.window.start, static_cast<int64_t>(elements.size())});
  }
};

} // namespace

namespace sluice::window_failover_test {

stream<window_count> sliding_counts(const keyed_clicks& keyed) {
  return keyed.window(sliding_event_time_windows::of(5s, 1s)).process(count_all{}).uid("windows");
}

} // namespace sluice::window_failover_test

BOOST_AUTO_TEST_SUITE(window_failover)

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
    sp = taken(job.savepoint((dir.path / "sp").string(), savepoint_mode::stop));
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
