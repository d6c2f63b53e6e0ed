// Flink's CheckpointConfig semantics end to end, on real jobs: timeout,
// declines and tolerable failures, min-pause, max-concurrent, retention and
// cleanup per `externalized`, complete statistics, memory storage, invalid
// configuration, and no trigger before every subtask runs.
//
// Each test names the failure it injects (slow storage, failing storage
// writes, a failing operator, a slow deployment, a cancel) and the property
// it checks; a comment says which engine change makes it fail. No test
// asserts on speed: margins are generous, assertions are on counts and
// structure, waits are polls with a hang guard.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <map>

#include "tests/checkpoint/coordinator_test_util.hpp"

using namespace sluice;
using namespace sluice::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(checkpoint_coordinator)

// --- 1. timeout ---------------------------------------------------------------

// Slow storage (every state file write sleeps 400 ms) against a 100 ms
// timeout: checkpoints expire. Breaks if checkpoints stop expiring (they
// would complete late instead: no expired checkpoint within 10 s), if
// expiry is reported with another reason, if an expired checkpoint's late
// files are not removed, or if expiries are fatal despite a large
// tolerable-failures. Expiry happens both at the coordinator's tick and on
// a late ack; with 400 ms writes either path alone passes this test.
BOOST_AUTO_TEST_CASE(slow_storage_makes_checkpoints_expire) {
  temp_dir dir;
  auto cfg = fs_config(dir.path, 30ms);
  cfg.timeout = 100ms;
  cfg.tolerable_failures = 1'000;
  auto run = start_probe_job(bounded(150), cfg);
  run.job.storage()->set_write_delay(400ms);
  checkpoint_stats_snapshot during;
  bool expired = poll_until([&] {
    during = run.job.checkpoint_stats();
    return failed_with(during, checkpoint_failure_reason::checkpoint_expired) >= 2;
  });
  // Fast storage again: the next checkpoints (and the final one) complete.
  run.job.storage()->set_write_delay(0ms);
  BOOST_REQUIRE_MESSAGE(expired, "no two checkpoints expired within 10 s");
  BOOST_CHECK_GE(during.counts.failed, 2u);
  BOOST_REQUIRE(during.latest_failed);
  BOOST_CHECK(during.latest_failed->failure_reason == checkpoint_failure_reason::checkpoint_expired);
  // Expiry is measured from the trigger: never before the timeout.
  BOOST_CHECK_GE(to_ms(during.latest_failed->end_to_end_duration), 100.0);
  std::set<uint64_t> expired_ids;
  for (auto& e : during.history)
    if (e.failure_reason == checkpoint_failure_reason::checkpoint_expired)
      expired_ids.insert(e.checkpoint_id);
  auto result = run.job.wait();
  BOOST_REQUIRE_MESSAGE(result.status == job_status::finished, result.message);
  auto stats = run.job.checkpoint_stats();
  BOOST_CHECK_GE(stats.counts.completed, 1u);
  BOOST_CHECK_EQUAL(stats.counts.in_progress, 0u);
  // Every expired checkpoint's directory is gone (its writers wrote their
  // files after the expiry); what remains are exactly the completed ones.
  auto left = chk_dirs(run.job_dir());
  for (auto id : expired_ids)
    BOOST_CHECK_MESSAGE(left.count(id) == 0, "expired checkpoint " << id << " left chk-" << id);
  BOOST_CHECK(left == run.job.storage()->completed_ids());
  BOOST_CHECK_EQUAL(left.size(), stats.counts.completed);
  require_no_orphans(run.job_dir(), left);
}

// --- 2. declines and tolerable failures -----------------------------------------

// Every storage write fails: the asynchronous part of the first checkpoint
// fails, the subtask declines, and with tolerable-failures = 0 that first
// failure fails the job (no restart strategy). Breaks if async failures
// are not turned into declines, if declines are not counted, or if the job
// fails with another code or message.
BOOST_AUTO_TEST_CASE(a_failed_async_part_fails_the_job_without_tolerance) {
  temp_dir dir;
  auto cfg = fs_config(dir.path, 50ms);
  cfg.tolerable_failures = 0;
  auto run = start_probe_job(probe_job_options{}, cfg, restart_config::no_restart());
  run.job.storage()->fail_writes_of([](uint64_t) { return true; });
  auto result = run.job.wait_for(15s);
  BOOST_REQUIRE_MESSAGE(result, "the job did not fail within 15 s");
  BOOST_CHECK(result->status == job_status::failed);
  BOOST_CHECK(result->code == ec::checkpoint_failure);
  BOOST_CHECK_MESSAGE(result->message.find("Exceeded checkpoint tolerable failure threshold")
                        != std::string::npos,
                      result->message);
  auto stats = run.job.checkpoint_stats();
  BOOST_CHECK_EQUAL(stats.counts.completed, 0u);
  BOOST_REQUIRE(stats.latest_failed);
  BOOST_CHECK(stats.latest_failed->failure_reason
              == checkpoint_failure_reason::checkpoint_async_exception);
  BOOST_CHECK_EQUAL(stats.latest_failed->checkpoint_id, 1u);
  // Nothing completed, so nothing is left on disk.
  BOOST_CHECK(!fs::exists(run.job_dir()));
}

// Checkpoints 1, 2 and 4, 5 fail in their asynchronous part, 3 and 6 and
// later succeed: twice exactly 2 consecutive failures, then a success.
// tolerable-failures = 2 tolerates that (the job finishes),
// tolerable-failures = 1 does not (checkpoint 2 fails the job). Breaks on
// an off-by-one in the threshold, if one checkpoint's several declines
// count more than once, or if a success does not reset the count (4
// failures in a row then).
BOOST_AUTO_TEST_CASE(tolerable_failures_is_an_exact_threshold) {
  for (int32_t tolerable : {2, 1}) {
    BOOST_TEST_CONTEXT("tolerable-failures = " << tolerable) {
      temp_dir dir;
      auto cfg = fs_config(dir.path, 30ms);
      cfg.tolerable_failures = tolerable;
      auto run = start_probe_job(bounded(150), cfg, restart_config::no_restart());
      run.job.storage()->fail_writes_of([](uint64_t id) { return id != 3 && id <= 5; });
      auto result = run.job.wait_for(15s);
      BOOST_REQUIRE_MESSAGE(result, "the job did not end within 15 s");
      auto stats = run.job.checkpoint_stats();
      if (tolerable == 2) {
        BOOST_CHECK_MESSAGE(result->status == job_status::finished, result->message);
        // Every completed checkpoint is retained: 1, 2, 4, 5 never
        // completed, 3 and 6 did.
        auto ids = run.job.storage()->completed_ids();
        BOOST_REQUIRE_GE(ids.size(), 2u);
        BOOST_CHECK_EQUAL(*ids.begin(), 3u);
        BOOST_CHECK_EQUAL(*std::next(ids.begin()), 6u);
        BOOST_CHECK_EQUAL(ids.size(), stats.counts.completed);
        // The last failure was checkpoint 5's asynchronous part.
        BOOST_REQUIRE(stats.latest_failed);
        BOOST_CHECK_EQUAL(stats.latest_failed->checkpoint_id, 5u);
        BOOST_CHECK(stats.latest_failed->failure_reason
                    == checkpoint_failure_reason::checkpoint_async_exception);
      } else {
        BOOST_CHECK(result->status == job_status::failed);
        BOOST_CHECK(result->code == ec::checkpoint_failure);
        BOOST_CHECK_MESSAGE(result->message.find("Exceeded checkpoint tolerable failure threshold")
                              != std::string::npos,
                            result->message);
        BOOST_CHECK_EQUAL(stats.counts.completed, 0u);
        BOOST_REQUIRE(stats.latest_failed);
        BOOST_CHECK_EQUAL(stats.latest_failed->checkpoint_id, 2u);
        BOOST_CHECK(stats.latest_failed->failure_reason
                    == checkpoint_failure_reason::checkpoint_async_exception);
      }
    }
  }
}

// --- 3. min-pause ------------------------------------------------------------------

// min-pause 150 ms with a 10 ms interval: between the end of checkpoint n
// and the trigger of n + 1 at least 150 ms pass (a lower bound: no slack),
// and never two checkpoints are in progress (min-pause caps
// max-concurrent to 1). The job runs until cancelled, so every checkpoint
// is a periodic one. Breaks if the trigger policy measured min-pause from
// the trigger instead of the end, ignored it, or allowed concurrency.
BOOST_AUTO_TEST_CASE(min_pause_separates_checkpoints) {
  temp_dir dir;
  auto cfg = fs_config(dir.path, 10ms, 2);
  cfg.min_pause = 150ms;
  cfg.max_concurrent = 5; // capped to 1 by min-pause
  auto run = start_probe_job(probe_job_options{}, cfg);
  uint64_t max_in_progress = 0;
  bool enough = poll_until([&] {
    auto s = run.job.checkpoint_stats();
    max_in_progress = std::max(max_in_progress, s.counts.in_progress);
    return s.counts.completed >= 4;
  });
  run.job.cancel();
  auto result = run.job.wait();
  BOOST_REQUIRE(enough);
  BOOST_CHECK(result.status == job_status::cancelled);
  BOOST_CHECK_EQUAL(max_in_progress, 1u);
  auto stats = run.job.checkpoint_stats();
  std::map<uint64_t, checkpoint_stats_entry> by_id;
  for (auto& e : stats.history)
    by_id[e.checkpoint_id] = e;
  size_t pairs = 0;
  for (auto& [id, e] : by_id) {
    auto next = by_id.find(id + 1);
    if (next == by_id.end())
      continue;
    BOOST_REQUIRE(e.status != checkpoint_status::in_progress);
    auto end = e.trigger_timestamp + e.end_to_end_duration;
    auto pause = next->second.trigger_timestamp - end;
    BOOST_CHECK_MESSAGE(pause >= checkpoint_duration{150ms},
                        "checkpoint " << id + 1 << " triggered " << to_ms(pause)
                                      << " ms after checkpoint " << id << " ended");
    ++pairs;
  }
  BOOST_CHECK_GE(pairs, 3u);
}

// --- 4. max-concurrent ----------------------------------------------------------

// max-concurrent 2, no min-pause, storage writes of 200 ms and a 20 ms
// interval: checkpoints overlap, but never more than two. Breaks if the
// policy ignored max-concurrent (it would reach ~10) or capped it to 1.
BOOST_AUTO_TEST_CASE(max_concurrent_bounds_checkpoints_in_progress) {
  temp_dir dir;
  auto cfg = fs_config(dir.path, 20ms, 2);
  cfg.max_concurrent = 2;
  cfg.min_pause = 0ms;
  auto run = start_probe_job(probe_job_options{}, cfg);
  run.job.storage()->set_write_delay(200ms);
  uint64_t max_in_progress = 0;
  bool saw_two_and_completed = poll_until([&] {
    auto s = run.job.checkpoint_stats();
    max_in_progress = std::max(max_in_progress, s.counts.in_progress);
    return max_in_progress >= 2 && s.counts.completed >= 3;
  });
  // Keep watching a little longer for a third one in progress.
  poll_until([&] {
    auto s = run.job.checkpoint_stats();
    max_in_progress = std::max(max_in_progress, s.counts.in_progress);
    return false;
  }, 300ms);
  run.job.cancel();
  auto result = run.job.wait();
  BOOST_CHECK(result.status == job_status::cancelled);
  BOOST_CHECK(saw_two_and_completed);
  BOOST_CHECK_EQUAL(max_in_progress, 2u);
  // The history agrees: at no trigger were more than two checkpoints open
  // (a checkpoint counts as open until its last ack, which is before its
  // completion, so this undercounts and cannot fail spuriously).
  auto stats = run.job.checkpoint_stats();
  for (auto& a : stats.history) {
    size_t open = 0;
    for (auto& b : stats.history)
      if (b.trigger_timestamp <= a.trigger_timestamp
          && a.trigger_timestamp < b.trigger_timestamp + b.end_to_end_duration)
        ++open;
    BOOST_CHECK_MESSAGE(open <= 2, open << " checkpoints open when " << a.checkpoint_id
                                        << " was triggered");
  }
}

// --- 5. retention and cleanup -------------------------------------------------

// The keyed-count job (10 subtasks over 5 vertices), watched while it
// runs: ids are unique, increase with the trigger time and never change
// meaning; counts add up; every completed checkpoint was acknowledged by
// every subtask with per-subtask statistics; external paths of retained
// checkpoints exist, those of subsumed ones do not. Breaks if the id
// counter repeated ids, the statistics lost acks or subtasks, or
// report_discarded marked the wrong checkpoints.
BOOST_AUTO_TEST_CASE(ids_never_repeat_and_statistics_are_complete) {
  temp_dir dir;
  keyed_count_options o;
  o.fast.count = 30'000;
  o.slow.count = 6'000;
  auto cfg = fs_config(dir.path, 20ms, 3);
  auto run = start_keyed_count(o, cfg);
  std::map<uint64_t, checkpoint_time> trigger_of; // id -> trigger, over all polls
  size_t polls = 0;
  auto observe = [&](const checkpoint_stats_snapshot& s) {
    ++polls;
    BOOST_CHECK_EQUAL(s.counts.total, s.counts.completed + s.counts.failed + s.counts.in_progress);
    for (size_t i = 0; i < s.history.size(); ++i) {
      auto& e = s.history[i];
      if (i > 0) {
        BOOST_CHECK_LT(e.checkpoint_id, s.history[i - 1].checkpoint_id); // newest first
        BOOST_CHECK(e.trigger_timestamp <= s.history[i - 1].trigger_timestamp);
      }
      auto known = trigger_of.emplace(e.checkpoint_id, e.trigger_timestamp).first;
      BOOST_CHECK_MESSAGE(known->second == e.trigger_timestamp,
                          "checkpoint id " << e.checkpoint_id << " was used twice");
    }
  };
  std::optional<job_result> result;
  while (!(result = run.job.wait_for(5ms)))
    observe(run.job.checkpoint_stats());
  BOOST_REQUIRE_MESSAGE(result->status == job_status::finished, result->message);
  auto stats = run.job.checkpoint_stats();
  observe(stats);
  BOOST_TEST_MESSAGE(polls << " polls, " << trigger_of.size() << " checkpoint ids seen");
  auto num_subtasks = result->subtasks.size();
  BOOST_REQUIRE_EQUAL(num_subtasks, 10u);
  size_t completed = 0, retained = 0;
  for (auto& e : stats.history) {
    if (e.status != checkpoint_status::completed)
      continue;
    ++completed;
    BOOST_TEST_CONTEXT("checkpoint " << e.checkpoint_id) {
      BOOST_CHECK_EQUAL(e.num_subtasks, num_subtasks);
      BOOST_CHECK_EQUAL(e.num_acknowledged_subtasks, e.num_subtasks);
      BOOST_CHECK_GT(e.state_size, 0u);
      BOOST_REQUIRE_EQUAL(e.subtasks.size(), num_subtasks);
      std::set<subtask_id> who;
      for (auto& sub : e.subtasks) {
        who.insert(sub.subtask);
        BOOST_CHECK_GT(sub.sync_duration.count(), 0);
        BOOST_CHECK(sub.ack_timestamp >= e.trigger_timestamp);
      }
      BOOST_CHECK_EQUAL(who.size(), num_subtasks);
      for (auto& m : result->subtasks)
        BOOST_CHECK_MESSAGE(who.count(subtask_id{m.vertex, m.subtask_index}) > 0,
                            "no statistics of subtask " << m.task << " " << m.subtask_index);
      fs::path path{e.external_path};
      if (e.discarded) {
        BOOST_CHECK_MESSAGE(!fs::exists(path), path << " of a subsumed checkpoint exists");
      } else {
        ++retained;
        BOOST_CHECK_EQUAL(path.filename().string(), "_metadata");
        BOOST_CHECK_MESSAGE(fs::exists(path), path << " of a retained checkpoint is missing");
        BOOST_CHECK_EQUAL(path.parent_path().filename().string(),
                          "chk-" + std::to_string(e.checkpoint_id));
      }
    }
  }
  BOOST_CHECK_GE(completed, 4u);
  BOOST_CHECK_EQUAL(retained, 3u);
}

// --- 7. memory storage --------------------------------------------------------------

// storage = memory: checkpoints complete, `_metadata` is readable (and the
// state consistent) while retained, nothing is ever written to disk (not
// even under the configured, unused, checkpoint dir), and the images are
// gone after the job. Breaks if memory storage wrote files, did not keep
// images, or leaked them after the end.
BOOST_AUTO_TEST_CASE(memory_storage_keeps_checkpoints_in_memory_only) {
  temp_dir dir;
  checkpoint_config cfg;
  cfg.interval = 20ms;
  cfg.storage = checkpoint_storage_type::memory;
  cfg.externalized = externalized_cleanup::none;
  cfg.retained = 100;
  cfg.dir = dir.path.string(); // unused with memory storage
  probe_job_options o;
  auto run = start_probe_job(o, cfg);
  auto storage = run.job.storage();
  BOOST_REQUIRE(storage);
  BOOST_CHECK(storage->is_memory());
  BOOST_CHECK(storage->job_dir().empty());
  checkpoint_stats_snapshot s;
  BOOST_REQUIRE(poll_until([&] {
    s = run.job.checkpoint_stats();
    return s.counts.completed >= 2 && s.latest_completed;
  }));
  // Still running, nothing subsumed (retained = 100): readable now.
  auto id = s.latest_completed->checkpoint_id;
  BOOST_CHECK_EQUAL(s.latest_completed->external_path.rfind("memory://", 0), 0u);
  auto md = storage->read_metadata(id);
  BOOST_CHECK_EQUAL(md.checkpoint_id, id);
  BOOST_CHECK_EQUAL(md.job_id, run.job.job_id());
  BOOST_CHECK(storage->completed_ids().count(id) > 0);
  auto v = read_checkpoint(*storage, id);
  BOOST_CHECK_EQUAL(v.offsets.count("source"), 1u);
  BOOST_CHECK(v.counts == reference_counts(reference_options(o), v.offsets));
  run.job.cancel();
  auto result = run.job.wait();
  BOOST_CHECK(result.status == job_status::cancelled);
  BOOST_CHECK_MESSAGE(fs::is_empty(dir.path), "memory storage wrote into " << dir.path);
  BOOST_CHECK(storage->completed_ids().empty());
}

// --- 8. invalid configuration -----------------------------------------------------

// Each invalid option makes execute() throw ec::invalid_option naming the
// option, before anything runs; the valid base config runs. Breaks if
// environment::execute stopped validating the checkpoint config or a
// check in checkpoint_config::validate went missing.
BOOST_AUTO_TEST_CASE(invalid_configuration_is_rejected_before_the_job_runs) {
  temp_dir dir;
  auto base = [&] {
    auto cfg = fs_config(dir.path / "root", 50ms);
    return cfg;
  };
  struct bad_case {
    std::string option;
    std::function<void(checkpoint_config&)> spoil;
  };
  std::vector<bad_case> cases{
    {"checkpointing.unaligned",
     [](auto& c) {
       c.unaligned = true;
       c.mode = checkpointing_mode::at_least_once;
     }},
    {"checkpointing.interval", [](auto& c) { c.interval = -10ms; }},
    {"checkpointing.interval", [](auto& c) { c.interval = 5ms; }},
    {"checkpointing.timeout", [](auto& c) { c.timeout = 0ms; }},
    {"checkpointing.min-pause", [](auto& c) { c.min_pause = -1ms; }},
    {"checkpointing.max-concurrent", [](auto& c) { c.max_concurrent = 0; }},
    {"checkpointing.tolerable-failures", [](auto& c) { c.tolerable_failures = -1; }},
    {"checkpointing.retained", [](auto& c) { c.retained = 0; }},
    {"checkpointing.aligned-timeout", [](auto& c) { c.aligned_timeout = -1ms; }},
    {"checkpointing.dir", [](auto& c) { c.dir.clear(); }},
    {"checkpointing.externalized",
     [](auto& c) {
       c.storage = checkpoint_storage_type::memory;
       c.externalized = externalized_cleanup::retain_on_cancellation;
     }},
  };
  for (auto& bad : cases) {
    BOOST_TEST_CONTEXT(bad.option) {
      auto cfg = base();
      bad.spoil(cfg);
      environment env;
      env.set_checkpoint_config(cfg);
      auto out = env.from_collection(std::vector<int>{1, 2, 3}).collect();
      BOOST_CHECK_EXCEPTION(env.execute(), sluice::exception, [&](const sluice::exception& e) {
        BOOST_TEST_MESSAGE(e.what());
        return e.code() == ec::invalid_option
               && std::string{e.what()}.find(bad.option + " =") != std::string::npos;
      });
    }
  }
  BOOST_CHECK_MESSAGE(!fs::exists(dir.path / "root"), "a rejected job created its directory");
  // Control: the base config is valid and runs.
  auto pc = default_pipeline_config();
  pc.threads = 2;
  environment env{pc};
  env.set_checkpoint_config(base());
  auto out = env.from_collection(std::vector<int>{1, 2, 3}).collect();
  auto result = env.execute();
  BOOST_CHECK_MESSAGE(result.status == job_status::finished, result.message);
}

// --- 9. triggers wait for deployment ------------------------------------------------

// Flink's global failover: with a restart strategy, exceeding
// tolerable-failures restarts the job instead of failing it. Checkpoints 1
// and 2 fail (tolerable-failures = 1: checkpoint 2 is one too many), the job
// restarts once from scratch (nothing completed), later checkpoints
// succeed and the job finishes with every record. Breaks if the master
// still failed the job, if the coordinator stayed silent after the restart
// (no checkpoint would complete, so the job could not finish), or if the
// restart were not counted with its cause.
BOOST_AUTO_TEST_CASE(exceeding_tolerable_failures_restarts_the_job) {
  temp_dir dir;
  auto cfg = fs_config(dir.path, 30ms);
  cfg.tolerable_failures = 1;
  auto o = bounded(150);
  auto run = start_probe_job(o, cfg, restart_config::fixed_delay(3, 0ms));
  run.job.storage()->fail_writes_of([](uint64_t id) { return id <= 2; });
  auto result = run.job.wait_for(30s);
  BOOST_REQUIRE_MESSAGE(result, "the job did not end within 30 s");
  BOOST_REQUIRE_MESSAGE(result->status == job_status::finished, result->message);
  BOOST_CHECK_EQUAL(result->restarts.restarts, 1u);
  BOOST_CHECK_MESSAGE(result->restarts.last_failure.find(
                        "Exceeded checkpoint tolerable failure threshold")
                        != std::string::npos,
                      result->restarts.last_failure);
  BOOST_CHECK_EQUAL(result->restarts.restored_checkpoint, 0u);
  auto ids = run.job.storage()->completed_ids();
  BOOST_REQUIRE(!ids.empty());
  BOOST_CHECK_GE(*ids.begin(), 3u); // ids go on after the failed ones
  auto last = read_checkpoint(*run.job.storage(), *ids.rbegin());
  BOOST_CHECK_EQUAL(total(last.counts), static_cast<int64_t>(o.count));
  BOOST_CHECK(last.counts == reference_counts(reference_options(o), last.offsets));
}

// Source subtask 0 sleeps 300 ms in open() while the interval is 10 ms:
// no checkpoint may be triggered before it reported running. The first
// checkpoint (id 1) completes and was triggered after the slow open ended,
// and no checkpoint failed (trigger attempts during deployment are
// declined before a checkpoint exists; they may show in counts.failed, as
// in Flink, but never as a failed checkpoint). Breaks if the coordinator
// triggered while a subtask was still deploying: that checkpoint would
// either carry an earlier trigger time or never be acknowledged and
// expire (timeout 2 s, tolerable-failures 0: the job fails).
BOOST_AUTO_TEST_CASE(no_trigger_before_every_subtask_runs) {
  temp_dir dir;
  auto cfg = fs_config(dir.path, 10ms);
  cfg.timeout = 2'000ms;
  cfg.tolerable_failures = 0;
  auto o = bounded(60);
  o.open_delay = 300ms;
  auto run = start_probe_job(o, cfg);
  auto result = run.job.wait();
  BOOST_REQUIRE_MESSAGE(result.status == job_status::finished, result.message);
  auto open_done_ns = run.probe->open_done_steady_ns.load();
  auto open_done_ms = run.probe->open_done_wall_ms.load();
  BOOST_REQUIRE_GT(open_done_ns, 0);
  auto stats = run.job.checkpoint_stats();
  BOOST_TEST_MESSAGE("trigger attempts declined while deploying: " << stats.counts.failed);
  BOOST_CHECK(!stats.latest_failed);
  for (auto& e : stats.history) {
    BOOST_CHECK(e.status == checkpoint_status::completed);
    BOOST_CHECK_MESSAGE(steady_ns(e.trigger_timestamp) >= open_done_ns,
                        "checkpoint " << e.checkpoint_id << " triggered "
                                      << (open_done_ns - steady_ns(e.trigger_timestamp)) / 1e6
                                      << " ms before the slow open ended");
  }
  // The first checkpoint (maybe out of the 10-entry history by now) from
  // its _metadata: id 1, triggered (wall clock) after the open ended.
  auto ids = run.job.storage()->completed_ids();
  BOOST_REQUIRE(!ids.empty());
  BOOST_CHECK_EQUAL(*ids.begin(), 1u);
  auto md = run.job.storage()->read_metadata(*ids.begin());
  BOOST_CHECK_GE(md.timestamp_ms, open_done_ms);
  BOOST_CHECK_EQUAL(ids.size(), stats.counts.completed);
}

BOOST_AUTO_TEST_SUITE_END()
