// Failures at chosen points of the checkpoint and recovery protocol, each
// followed by an exact final state (every record counted once in the
// keyed-count job's final checkpoint):
//   - user code throws (the sink, three times in a row of attempts);
//   - a subtask is killed while a checkpoint's asynchronous part is being
//     written (slow storage): the pending checkpoint is aborted and none of
//     its files stays behind;
//   - a subtask of the freshly restored attempt is killed at once: the same
//     checkpoint is recovered twice;
//   - aimed kills (actors/fault/fault_points.hpp): a subtask killed in the middle
//     of an alignment, aligned and unaligned; every aimed fault in one run
//     through the fault injector (`--inject-failures`).
#include <boost/test/unit_test.hpp>

#include <mutex>

#include <caf/all.hpp>

#include "actors/fault/fault_injector.hpp"
#include "actors/fault/fault_points.hpp"
#include "actors/job/job_master.hpp"
#include "tests/checkpoint/coordinator_test_util.hpp"

using namespace sluice;
using namespace sluice::testing;
using namespace std::chrono_literals;

namespace {

std::vector<subtask_actor> subtasks_of(running_job& run) {
  caf::scoped_actor self{run.env->system()};
  std::vector<subtask_actor> result;
  self->request(master_of(run.job), caf::infinite, subtasks_atom::value)
    .receive([&](std::vector<subtask_actor>& xs) { result = std::move(xs); },
             [&](caf::error&) {});
  return result;
}

/// The keyed sums are subtasks 3..5 (vertex order: the two sources, the
/// slow map, the sums, the sink).
subtask_actor a_sum(running_job& run) {
  auto subtasks = subtasks_of(run);
  BOOST_REQUIRE_EQUAL(subtasks.size(), 10u);
  return subtasks[5];
}

void check_exact_final_state(running_job& run, const keyed_count_options& o,
                             const job_result& result) {
  BOOST_REQUIRE_MESSAGE(result.status == job_status::finished, result.message);
  auto ids = run.job.storage()->completed_ids();
  BOOST_REQUIRE(!ids.empty());
  auto last = read_checkpoint(*run.job.storage(), *ids.rbegin());
  BOOST_CHECK_EQUAL(total(last.counts), static_cast<int64_t>(o.fast.count + o.slow.count));
  BOOST_CHECK(last.counts == reference_counts(o, last.offsets));
}

} // namespace

BOOST_AUTO_TEST_SUITE(failover_points)

BOOST_AUTO_TEST_CASE(user_code_that_throws_restarts_the_job_each_time) {
  temp_dir dir;
  keyed_count_options o;
  o.fast.count = 200'000;
  o.sink_throws = std::make_shared<sink_failures>();
  o.sink_throws->remaining = 3;
  o.sink_throws->after = 5'000;
  auto run = start_keyed_count(o, retain_all(dir.path, 30ms),
                               restart_config::fixed_delay(5, 0ms));
  auto result = run.job.wait_for(120s);
  BOOST_REQUIRE(result);
  check_exact_final_state(run, o, *result);
  BOOST_CHECK_EQUAL(result->restarts.restarts, 3u);
  BOOST_CHECK_MESSAGE(result->restarts.last_failure.find("injected sink failure")
                        != std::string::npos,
                      result->restarts.last_failure);
}

BOOST_AUTO_TEST_CASE(a_kill_during_the_asynchronous_snapshot_leaves_no_file_behind) {
  temp_dir dir;
  keyed_count_options o;
  o.fast.count = 200'000;
  auto cfg = fs_config(dir.path, 30ms, 2);
  auto run = start_keyed_count(o, cfg, restart_config::fixed_delay(5, 0ms));
  BOOST_REQUIRE(poll_until([&] { return run.job.checkpoint_stats().counts.completed >= 2; }, 30s));
  run.job.storage()->set_write_delay(300ms); // slow storage from now on
  // The first subtask that hands a snapshot to its asynchronous part is
  // killed right there (the aimed fault point, not a sleep): its writer and
  // those of the other subtasks are still writing.
  run.job.faults()->arm(fault_point::async_snapshot);
  BOOST_REQUIRE(poll_until([&] { return run.job.restart_stats().restarts == 1; }, 60s));
  BOOST_CHECK_EQUAL(run.job.faults()->fired(fault_point::async_snapshot), 1u);
  // The checkpoint in progress was aborted by the failover.
  BOOST_CHECK_GE(failed_with(run.job.checkpoint_stats(), checkpoint_failure_reason::job_failover),
                 1u);
  run.job.storage()->set_write_delay(0ms);
  auto result = run.job.wait_for(120s);
  BOOST_REQUIRE(result);
  check_exact_final_state(run, o, *result);
  BOOST_CHECK_EQUAL(result->restarts.restarts, 1u);
  // Only the retained checkpoints are left: the aborted one's files (also
  // those its writers finished after the abort) are gone.
  auto kept = run.job.storage()->completed_ids();
  BOOST_CHECK_EQUAL(kept.size(), 2u);
  require_no_orphans(run.job_dir(), kept);
}

BOOST_AUTO_TEST_CASE(a_kill_right_after_a_restore_recovers_the_same_checkpoint_twice) {
  temp_dir dir;
  keyed_count_options o;
  o.fast.count = 200'000;
  // Checkpoints far apart: none completes between the two restores.
  auto run = start_keyed_count(o, retain_all(dir.path, 400ms),
                               restart_config::fixed_delay(5, 0ms));
  BOOST_REQUIRE(poll_until([&] { return run.job.checkpoint_stats().counts.completed >= 1; }, 30s));
  caf::anon_send_exit(a_sum(run), caf::exit_reason::kill);
  BOOST_REQUIRE(poll_until([&] { return run.job.restart_stats().restarts == 1; }, 30s));
  auto first = run.job.restart_stats().restored_checkpoint;
  caf::anon_send_exit(a_sum(run), caf::exit_reason::kill); // while it restores
  BOOST_REQUIRE(poll_until([&] { return run.job.restart_stats().restarts == 2; }, 30s));
  auto second = run.job.restart_stats().restored_checkpoint;
  BOOST_CHECK_GT(first, 0u);
  BOOST_CHECK_EQUAL(first, second);
  auto result = run.job.wait_for(120s);
  BOOST_REQUIRE(result);
  check_exact_final_state(run, o, *result);
}

// The alignment point: once a checkpoint completed, the first subtask that
// gets the first barrier of a checkpoint on one of several inputs (aligned:
// blocks that channel; unaligned: starts recording the others) is killed
// right there. That checkpoint cannot complete (the victim never acked):
// it is aborted by the failover, the job restores the previous one and
// ends with an exact state. Breaks if the point were never reached (no
// restart), if the half-aligned checkpoint completed anyway, or if the
// restore after a mid-alignment kill lost or repeated records.
BOOST_AUTO_TEST_CASE(a_kill_mid_alignment_restores_an_exact_state) {
  for (bool unaligned : {false, true}) {
    BOOST_TEST_CONTEXT((unaligned ? "unaligned" : "aligned")) {
      temp_dir dir;
      keyed_count_options o;
      o.fast.count = 200'000;
      auto cfg = retain_all(dir.path, 30ms);
      cfg.unaligned = unaligned;
      auto run = start_keyed_count(o, cfg, restart_config::fixed_delay(5, 0ms));
      BOOST_REQUIRE(
        poll_until([&] { return run.job.checkpoint_stats().counts.completed >= 1; }, 30s));
      run.job.faults()->arm(fault_point::alignment);
      BOOST_REQUIRE(poll_until([&] { return run.job.restart_stats().restarts == 1; }, 30s));
      BOOST_CHECK_EQUAL(run.job.faults()->fired(fault_point::alignment), 1u);
      BOOST_CHECK_GE(
        failed_with(run.job.checkpoint_stats(), checkpoint_failure_reason::job_failover), 1u);
      BOOST_CHECK_MESSAGE(run.job.restart_stats().last_failure.find("kill")
                            != std::string::npos,
                          run.job.restart_stats().last_failure);
      auto result = run.job.wait_for(120s);
      BOOST_REQUIRE(result);
      check_exact_final_state(run, o, *result);
      BOOST_CHECK_EQUAL(result->restarts.restarts, 1u);
    }
  }
}

// Every kind of fault the injector knows, once each, in one run: a random
// kill, a throw from user code, kills mid-alignment, mid-asynchronous-
// snapshot, between pre-commit and commit (a sink told of a completed
// checkpoint) and during a restore (two failures). Each point fires
// exactly once, each fault is logged as counted, the job restarts seven
// times and its final state is exact.
BOOST_AUTO_TEST_CASE(the_injector_fires_every_aimed_fault_and_nothing_is_lost) {
  temp_dir dir;
  keyed_count_options o;
  o.fast.count = 800'000; // runs long enough for six faults and their restarts
  auto run = start_keyed_count(o, retain_all(dir.path, 30ms),
                               restart_config::fixed_delay(20, 0ms));
  std::string err;
  auto spec = fault_injection_spec::parse("seed=4,kills=1,throws=1,alignment-kills=1,"
                                          "snapshot-kills=1,commit-kills=1,restore-kills=1,"
                                          "min-interval=50ms,max-interval=150ms",
                                          err);
  BOOST_REQUIRE_MESSAGE(spec, err);
  auto lines = std::make_shared<std::vector<std::string>>();
  auto mtx = std::make_shared<std::mutex>();
  start_fault_injector(run.env->system(), run.job, *spec, [=](const std::string& line) {
    std::lock_guard<std::mutex> guard{*mtx};
    lines->push_back(line);
  });
  auto result = run.job.wait_for(180s);
  BOOST_REQUIRE(result);
  std::lock_guard<std::mutex> guard{*mtx};
  for (auto& l : *lines)
    BOOST_TEST_MESSAGE(l);
  auto counted = std::count_if(lines->begin(), lines->end(), [](const std::string& l) {
    return l.find("/6)") != std::string::npos;
  });
  BOOST_CHECK_EQUAL(counted, 6);
  for (auto p : {fault_point::user_code, fault_point::alignment, fault_point::async_snapshot,
                 fault_point::pre_commit, fault_point::restore})
    BOOST_CHECK_MESSAGE(run.job.faults()->fired(p) == 1,
                        to_string(p) << " fired " << run.job.faults()->fired(p) << " times");
  check_exact_final_state(run, o, *result);
  BOOST_CHECK_EQUAL(result->restarts.restarts, 7u);
}

BOOST_AUTO_TEST_SUITE_END()
