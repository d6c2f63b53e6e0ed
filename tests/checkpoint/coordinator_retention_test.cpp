// Retention and cleanup end to end: which completed checkpoints stay on
// disk while a job runs and after it finished, was cancelled or failed
// (`retained`, `externalized`), that nothing else stays (no orphan files),
// and that the final checkpoint of a bounded job honours min-pause.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <map>

#include "tests/checkpoint/coordinator_test_util.hpp"

using namespace sluice;

namespace coordinator_retention_test {

using namespace sluice::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(checkpoint_retention)

// retained = 2, retain_on_cancellation, a finished job: exactly the two
// newest completed checkpoints stay, each complete, nothing else. Breaks if
// subsumed checkpoints are not deleted (while running or at the end), the
// wrong ones are, `_metadata` is missing, or files leak outside the
// retained directories.
BOOST_AUTO_TEST_CASE(retained_checkpoints_are_the_newest_and_nothing_else_stays) {
  temp_dir dir;
  auto cfg = fs_config(dir.path, 20ms, 2);
  auto run = start_probe_job(bounded(200), cfg);
  // While it runs, subsumed checkpoints are deleted as they are subsumed:
  // at most retained + 1 complete ones on disk (the new `_metadata` is
  // written before the oldest is deleted).
  size_t most_on_disk = 0;
  std::optional<job_result> done;
  while (!(done = run.job.wait_for(2ms)))
    most_on_disk = std::max(most_on_disk, run.job.storage()->completed_ids().size());
  auto result = *done;
  BOOST_REQUIRE_MESSAGE(result.status == job_status::finished, result.message);
  BOOST_CHECK_LE(most_on_disk, 3u);
  auto stats = run.job.checkpoint_stats();
  BOOST_REQUIRE_GE(stats.counts.completed, 5u); // several were subsumed
  auto completed = completed_ids_of(stats);
  BOOST_REQUIRE_GE(completed.size(), 2u);
  std::set<uint64_t> newest{completed[0], completed[1]};
  auto left = chk_dirs(run.job_dir());
  BOOST_CHECK(left == newest);
  for (auto id : left)
    BOOST_CHECK_MESSAGE(fs::exists(run.job_dir() / ("chk-" + std::to_string(id)) / "_metadata"),
                        "chk-" << id << " has no _metadata");
  BOOST_CHECK(run.job.storage()->completed_ids() == newest);
  require_no_orphans(run.job_dir(), newest);
}

// externalized = none: a finished job leaves nothing. Breaks if shutdown
// kept checkpoints regardless of the policy or left the job directory.
BOOST_AUTO_TEST_CASE(externalized_none_deletes_everything_when_the_job_finishes) {
  temp_dir dir;
  auto cfg = fs_config(dir.path, 20ms, 2);
  cfg.externalized = externalized_cleanup::none;
  auto run = start_probe_job(bounded(100), cfg);
  auto result = run.job.wait();
  BOOST_REQUIRE_MESSAGE(result.status == job_status::finished, result.message);
  BOOST_CHECK_GE(run.job.checkpoint_stats().counts.completed, 1u);
  BOOST_CHECK_MESSAGE(!fs::exists(run.job_dir()), run.job_dir() << " still exists");
}

// Cancel a job that runs until cancelled, after checkpoints completed:
// delete_on_cancellation leaves nothing, retain_on_cancellation leaves the
// retained checkpoint and nothing else. Breaks if cancellation did not
// apply the policy (either way round).
BOOST_AUTO_TEST_CASE(cancellation_applies_the_externalized_policy) {
  for (auto policy :
       {externalized_cleanup::delete_on_cancellation, externalized_cleanup::retain_on_cancellation}) {
    BOOST_TEST_CONTEXT("externalized = " << to_string(policy)) {
      temp_dir dir;
      auto cfg = fs_config(dir.path, 20ms, 1);
      cfg.externalized = policy;
      auto run = start_probe_job(probe_job_options{}, cfg);
      BOOST_REQUIRE(poll_until([&] { return run.job.checkpoint_stats().counts.completed >= 2; }));
      // There is something to delete: the retained checkpoint is on disk.
      BOOST_CHECK(!run.job.storage()->completed_ids().empty());
      run.job.cancel();
      auto result = run.job.wait();
      BOOST_REQUIRE(result.status == job_status::cancelled);
      auto stats = run.job.checkpoint_stats();
      if (policy == externalized_cleanup::delete_on_cancellation) {
        BOOST_CHECK_MESSAGE(!fs::exists(run.job_dir()), run.job_dir() << " still exists");
      } else {
        BOOST_REQUIRE(stats.latest_completed);
        std::set<uint64_t> kept{stats.latest_completed->checkpoint_id};
        BOOST_CHECK(chk_dirs(run.job_dir()) == kept);
        BOOST_CHECK(run.job.storage()->completed_ids() == kept);
        require_no_orphans(run.job_dir(), kept);
      }
    }
  }
}

// A job that fails (its sink throws after two completed checkpoints) with
// delete_on_cancellation keeps its retained checkpoint (Flink: only
// finished and cancelled jobs delete them), complete, and nothing else.
// Breaks if a failed job deleted its checkpoints, or pending ones leaked.
BOOST_AUTO_TEST_CASE(a_failed_job_keeps_its_retained_checkpoint_with_delete_on_cancellation) {
  temp_dir dir;
  auto cfg = fs_config(dir.path, 20ms, 1);
  cfg.externalized = externalized_cleanup::delete_on_cancellation;
  probe_job_options o;
  o.fail_after_completed = 2;
  auto run = start_probe_job(o, cfg, restart_config::no_restart());
  auto result = run.job.wait_for(15s);
  BOOST_REQUIRE_MESSAGE(result, "the job did not fail within 15 s");
  BOOST_REQUIRE(result->status == job_status::failed);
  BOOST_CHECK(result->code == ec::operator_failed);
  BOOST_CHECK_MESSAGE(result->message.find("injected sink failure") != std::string::npos,
                      result->message);
  auto stats = run.job.checkpoint_stats();
  BOOST_CHECK_GE(stats.counts.completed, 2u);
  BOOST_REQUIRE(stats.latest_completed);
  std::set<uint64_t> kept{stats.latest_completed->checkpoint_id};
  BOOST_CHECK(chk_dirs(run.job_dir()) == kept);
  BOOST_CHECK(fs::exists(fs::path{stats.latest_completed->external_path}));
  BOOST_CHECK(run.job.storage()->completed_ids() == kept);
  require_no_orphans(run.job_dir(), kept);
  // What is kept is a usable, consistent checkpoint.
  auto v = read_checkpoint(*run.job.storage(), *kept.begin());
  BOOST_CHECK(v.counts == reference_counts(reference_options(o), v.offsets));
}

// --- 6. ids and statistics --------------------------------------------------------

// The same promise for the checkpoint that ends a bounded job. Storage
// writes of 300 ms keep checkpoint 1 in progress while the input (about
// 20 ms of records) ends; checkpoint 1 cannot be the final one (the
// sources snapshotted before their input ended), so a final checkpoint 2
// follows, and min-pause says it may start 150 ms after 1 ended at the
// earliest.
// (It failed before the coordinator's `tick` asked min-pause for the final
// checkpoint: it started 1-13 ms after checkpoint 1 ended.)
BOOST_AUTO_TEST_CASE(min_pause_holds_for_the_final_checkpoint) {
  temp_dir dir;
  auto cfg = fs_config(dir.path, 10ms);
  cfg.min_pause = 150ms;
  auto run = start_probe_job(bounded(10), cfg);
  run.job.storage()->set_write_delay(300ms);
  auto result = run.job.wait();
  BOOST_REQUIRE_MESSAGE(result.status == job_status::finished, result.message);
  auto stats = run.job.checkpoint_stats();
  BOOST_REQUIRE_GE(stats.counts.completed, 2u);
  std::map<uint64_t, checkpoint_stats_entry> by_id;
  for (auto& e : stats.history)
    by_id[e.checkpoint_id] = e;
  size_t pairs = 0;
  for (auto& [id, e] : by_id) {
    auto next = by_id.find(id + 1);
    if (next == by_id.end())
      continue;
    auto pause = next->second.trigger_timestamp - (e.trigger_timestamp + e.end_to_end_duration);
    BOOST_CHECK_MESSAGE(pause >= checkpoint_duration{150ms},
                        "checkpoint " << id + 1 << " triggered " << to_ms(pause)
                                      << " ms after checkpoint " << id << " ended");
    ++pairs;
  }
  BOOST_CHECK_GE(pairs, 1u);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace coordinator_retention_test
