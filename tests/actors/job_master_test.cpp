// The job master actor on CAF's deterministic test coordinator, with real
// subtasks of the subtask test plan (src p=2 -> map -> filter -> collect)
// and checkpointing off: no real time, no sleeps. Failures come from the
// aimed fault point in user code (actors/fault/fault_points.hpp), armed before a
// known step, so when they happen does not depend on timing.
//   - every subtask finishes: the job finishes with every record and one
//     metrics entry per subtask;
//   - user code throws once: the restart strategy allows it, the job is
//     redeployed (attempt 2) and finishes, restart count 1 and the cause;
//   - a second throw after the one allowed restart (whose backoff of an
//     hour passes on the test clock) fails the job with the strategy's
//     reason;
//   - cancel before anything ran: cancelled, no restart.
#include "tests/actors/subtask_fixture.hpp"

#include <algorithm>

#include "actors/fault/fault_points.hpp"
#include "actors/job/job_master.hpp"

namespace job_master_test {

namespace {

struct job_master_fixture {
  actor_env env;
  collected_ptr<reading> out = std::make_shared<collected<reading>>();
  std::shared_ptr<job_board> board = std::make_shared<job_board>();
  std::shared_ptr<fault_points> faults = std::make_shared<fault_points>();
  job_master_actor master;

  /// Spawns the master of the subtask test plan (heartbeats far away:
  /// virtual time here never reaches them) with `restart`.
  void spawn(restart_config restart) {
    auto p = *make_plan(out);
    p.config.heartbeat_interval = std::chrono::hours{1};
    p.restart = restart;
    auto plan = std::make_shared<const execution_plan>(std::move(p));
    master = env.sys.spawn(job_master, plan, board, nullptr, faults);
    env.untyped_started.push_back(caf::actor_cast<caf::actor>(master));
  }

  /// Runs every message and, while `until` does not hold, lets 10 ms of
  /// virtual time pass (buffer timeouts, the redeploy after a backoff).
  /// False when `until` still fails after 10 virtual minutes.
  template <class Pred>
  bool run_until(Pred until) {
    for (int i = 0; i < 60'000; ++i) {
      env.sched.run();
      if (until())
        return true;
      env.sched.advance_time(10ms);
    }
    return false;
  }

  bool ended() {
    return is_terminal(board->status());
  }

  /// Values the collect sink received, sorted.
  std::vector<int> values() const {
    std::vector<int> xs;
    for (auto& r : out->values())
      xs.push_back(r.value);
    std::sort(xs.begin(), xs.end());
    return xs;
  }
};

/// What make_plan's job emits: 1..11 times ten.
std::vector<int> expected_values() {
  std::vector<int> xs;
  for (int i = 1; i <= 11; ++i)
    xs.push_back(i * 10);
  return xs;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(job_master_deterministic, job_master_fixture)

BOOST_AUTO_TEST_CASE(a_job_whose_subtasks_all_finish_is_finished) {
  spawn(restart_config::no_restart());
  BOOST_REQUIRE(run_until([&] { return ended(); }));
  auto r = board->wait();
  BOOST_CHECK(r.status == job_status::finished);
  BOOST_CHECK_EQUAL(r.restarts.restarts, 0u);
  BOOST_CHECK(values() == expected_values());
  BOOST_CHECK_EQUAL(r.subtasks.size(), 4u); // src (2), map -> filter, collect
}

BOOST_AUTO_TEST_CASE(a_throw_in_user_code_restarts_the_job_once_and_it_finishes) {
  faults->arm(fault_point::user_code);
  spawn(restart_config::fixed_delay(1, 0ms));
  BOOST_REQUIRE(run_until([&] { return ended(); }));
  auto r = board->wait();
  BOOST_REQUIRE_MESSAGE(r.status == job_status::finished, r.message);
  BOOST_CHECK_EQUAL(faults->fired(fault_point::user_code), 1u);
  BOOST_CHECK_EQUAL(r.restarts.restarts, 1u);
  BOOST_CHECK_EQUAL(r.restarts.restored_checkpoint, 0u); // no checkpoints: fresh
  BOOST_CHECK_MESSAGE(r.restarts.last_failure.find("injected failure in user code")
                        != std::string::npos,
                      r.restarts.last_failure);
  // Attempt 2 ran from the start: every value is there (attempt 1 may have
  // delivered some before it failed: at least once without checkpoints).
  auto got = values();
  for (auto x : expected_values())
    BOOST_CHECK_MESSAGE(std::count(got.begin(), got.end(), x) >= 1, x << " missing");
}

BOOST_AUTO_TEST_CASE(a_failure_after_the_last_allowed_restart_fails_the_job) {
  faults->arm(fault_point::user_code);
  // A backoff of an hour: attempt 1 is down and the redeploy waits on the
  // test clock, which only the test moves that far.
  spawn(restart_config::fixed_delay(1, std::chrono::hours{1}));
  BOOST_REQUIRE(run_until([&] { return board->status() == job_status::restarting || ended(); }));
  BOOST_REQUIRE(!ended());
  BOOST_CHECK_EQUAL(board->restart_stats().restarts, 0u); // not redeployed yet
  faults->arm(fault_point::user_code);
  env.sched.advance_time(std::chrono::hours{1});
  BOOST_REQUIRE(run_until([&] { return ended(); }));
  auto r = board->wait();
  BOOST_CHECK(r.status == job_status::failed);
  BOOST_CHECK_EQUAL(faults->fired(fault_point::user_code), 2u);
  BOOST_CHECK_EQUAL(r.restarts.restarts, 1u);
  BOOST_CHECK_MESSAGE(r.message.find("fixed-delay") != std::string::npos, r.message);
  BOOST_CHECK_MESSAGE(r.message.find("injected failure in user code") != std::string::npos,
                      r.message);
}

BOOST_AUTO_TEST_CASE(cancel_before_anything_ran_cancels_the_job) {
  spawn(restart_config::fixed_delay(3, 0ms));
  // In the mailbox before the master's first message: it deploys, then
  // takes the cancel before any subtask ran.
  caf::anon_send(master, cancel_atom::value);
  BOOST_REQUIRE(run_until([&] { return ended(); }));
  auto r = board->wait();
  BOOST_CHECK(r.status == job_status::cancelled);
  BOOST_CHECK(r.code == ec::job_cancelled);
  BOOST_CHECK_EQUAL(r.restarts.restarts, 0u);
  BOOST_CHECK(out->values().empty());
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace job_master_test
