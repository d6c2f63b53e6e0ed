// Savepoints of running jobs (issue 7): triggered, stopped-with, moved,
// restored into either state backend, never touched by retention, never
// used for failover. Every restore is checked for an exact state: the
// keyed-count job's final checkpoint after the resume counts every record
// of both sources exactly once (so nothing before the savepoint was lost
// or counted twice).
#include <boost/test/unit_test.hpp>

#include <caf/all.hpp>

#include "actors/job/job_master.hpp"
#include "snapshot/checkpoint_metadata.hpp"
#include "tests/checkpoint/coordinator_test_util.hpp"
#include "tests/savepoint_taken.hpp"

using namespace sluice;
using namespace sluice::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

keyed_count_options job_on(state_backend_kind backend, const fs::path& dir) {
  keyed_count_options o;
  o.fast.count = 150'000;
  o.keys = 200;
  o.state.backend = backend;
  o.state.local_dir = (dir / "lmdb").string();
  return o;
}

/// The resumed job ended with every record counted exactly once.
void check_exact(const job_client& job, const keyed_count_options& o) {
  auto result = job.wait_for(120s);
  BOOST_REQUIRE_MESSAGE(result, "the job did not end within 120 s");
  BOOST_REQUIRE_MESSAGE(result->status == job_status::finished, result->message);
  auto ids = job.storage()->completed_ids();
  BOOST_REQUIRE(!ids.empty());
  auto last = read_checkpoint(*job.storage(), *ids.rbegin());
  BOOST_CHECK_EQUAL(total(last.counts), static_cast<int64_t>(o.fast.count + o.slow.count));
  BOOST_CHECK(last.counts == reference_counts(o, last.offsets));
}

/// Every state file the savepoint references lies inside it.
void check_self_contained(const fs::path& sp) {
  auto md = read_metadata_file(sp);
  BOOST_CHECK(md.is_savepoint);
  BOOST_CHECK(!md.operators.empty());
  for (auto& op : md.operators)
    for (auto& sub : op.subtasks)
      for (auto& h : sub.handles) {
        BOOST_CHECK_MESSAGE(h.relative_path.find("..") == std::string::npos, h.relative_path);
        BOOST_CHECK(h.is_inline() || fs::exists(sp / h.relative_path));
      }
}

} // namespace

BOOST_AUTO_TEST_SUITE(savepoints)

// A savepoint of a running job, moved elsewhere, restores into the other
// state backend (and back: hashmap -> lmdb and lmdb -> hashmap, incremental
// lmdb included, whose savepoint copies the chain). The first job goes on
// and finishes normally; its checkpoint directory does not hold the
// savepoint.
BOOST_AUTO_TEST_CASE(a_moved_savepoint_restores_into_either_backend) {
  struct hop {
    state_backend_kind from, to;
    bool incremental;
  };
  for (auto h : {hop{state_backend_kind::hashmap, state_backend_kind::lmdb, false},
                 hop{state_backend_kind::lmdb, state_backend_kind::hashmap, true}}) {
    BOOST_TEST_CONTEXT(to_string(h.from) << " -> " << to_string(h.to)) {
      temp_dir dir;
      auto o = job_on(h.from, dir.path);
      o.state.incremental = h.incremental;
      auto run = start_keyed_count(o, retain_all(dir.path / "chk", 30ms));
      BOOST_REQUIRE(
        poll_until([&] { return run.job.checkpoint_stats().counts.completed >= 2; }, 30s));
      fs::path sp = taken(run.job.savepoint((dir.path / "savepoints").string()));
      BOOST_TEST_MESSAGE("savepoint: " << sp);
      BOOST_CHECK_EQUAL(sp.parent_path(), dir.path / "savepoints");
      BOOST_CHECK(sp.filename().string().rfind("savepoint-" + run.job.job_id().substr(0, 6), 0)
                  == 0);
      auto stats = run.job.checkpoint_stats();
      BOOST_REQUIRE(stats.latest_savepoint);
      BOOST_CHECK_EQUAL(stats.latest_savepoint->external_path, sp.string());
      auto first = run.job.wait_for(120s);
      BOOST_REQUIRE(first);
      BOOST_CHECK_MESSAGE(first->status == job_status::finished, first->message);
      check_self_contained(sp);
      auto moved = dir.path / "elsewhere" / "my-savepoint";
      fs::create_directories(moved.parent_path());
      fs::rename(sp, moved);
      auto o2 = job_on(h.to, dir.path / "second");
      auto resumed = start_keyed_count(o2, retain_all(dir.path / "chk2", 30ms), std::nullopt,
                                       moved);
      check_exact(resumed.job, o2);
      // Ids go on after the savepoint's.
      auto sp_id = read_metadata_file(moved).checkpoint_id;
      BOOST_CHECK_GT(*resumed.job.storage()->completed_ids().begin(), sp_id);
    }
  }
}

// stop-with-savepoint: the sources stop after the savepoint's barrier, the
// job ends as finished without reading its input to the end, and a job
// resumed from the savepoint counts the rest: exact in total.
BOOST_AUTO_TEST_CASE(stop_with_savepoint_ends_the_job_and_resumes_exactly) {
  temp_dir dir;
  auto o = job_on(state_backend_kind::hashmap, dir.path);
  o.fast.count = 400'000;
  auto run = start_keyed_count(o, retain_all(dir.path / "chk", 30ms));
  BOOST_REQUIRE(poll_until([&] { return run.job.checkpoint_stats().counts.completed >= 1; }, 30s));
  fs::path sp = taken(run.job.savepoint((dir.path / "sp").string(), savepoint_mode::stop));
  auto result = run.job.wait_for(30s);
  BOOST_REQUIRE_MESSAGE(result, "the job did not stop within 30 s");
  BOOST_CHECK_MESSAGE(result->status == job_status::finished, result->message);
  check_self_contained(sp);
  // It stopped early: the savepoint's source offsets are short of the end.
  uint64_t records_in = 0;
  for (auto& m : result->subtasks)
    if (m.task == "sum")
      records_in += m.records_in;
  BOOST_CHECK_LT(records_in, o.fast.count + o.slow.count);
  auto resumed = start_keyed_count(o, retain_all(dir.path / "chk2", 30ms), std::nullopt, sp);
  check_exact(resumed.job, o);
}

// Savepoints belong to the user: retention (retained = 1) deletes old
// checkpoints around it, never the savepoint; a failover restores the
// latest checkpoint, never the savepoint, even when that is newer.
BOOST_AUTO_TEST_CASE(retention_and_failover_leave_savepoints_alone) {
  temp_dir dir;
  auto o = job_on(state_backend_kind::hashmap, dir.path);
  o.fast.count = 300'000;
  auto cfg = fs_config(dir.path / "chk", 30ms, 1);
  auto run = start_keyed_count(o, cfg, restart_config::fixed_delay(5, 0ms));
  BOOST_REQUIRE(poll_until([&] { return run.job.checkpoint_stats().counts.completed >= 1; }, 30s));
  fs::path sp = taken(run.job.savepoint((dir.path / "sp").string()));
  auto sp_id = read_metadata_file(sp).checkpoint_id;
  // Kill a subtask right away: the savepoint is the newest snapshot.
  caf::scoped_actor self{run.env->system()};
  std::vector<subtask_actor> subtasks;
  self->request(master_of(run.job), caf::infinite, subtasks_atom::value)
    .receive([&](std::vector<subtask_actor>& xs) { subtasks = std::move(xs); },
             [&](caf::error&) {});
  BOOST_REQUIRE(!subtasks.empty());
  caf::anon_send_exit(subtasks.back(), caf::exit_reason::kill);
  BOOST_REQUIRE(poll_until([&] { return run.job.restart_stats().restarts == 1; }, 30s));
  BOOST_CHECK_NE(run.job.restart_stats().restored_checkpoint, sp_id);
  check_exact(run.job, o);
  BOOST_CHECK_EQUAL(run.job.storage()->completed_ids().size(), 1u);
  check_self_contained(sp);
  BOOST_CHECK(!fs::exists(run.job_dir() / ("chk-" + std::to_string(sp_id))));
}

// Rescaling through savepoints (the 1 -> 4 -> 2): the keyed sums
// run at parallelism 1, stop with a savepoint, resume at 4, stop with a
// savepoint, resume at 2 and finish. Key groups are split and merged, the
// sources' offsets redistributed; every key's count is exact at the end.
BOOST_AUTO_TEST_CASE(rescaling_through_savepoints_keeps_every_key_exact) {
  temp_dir dir;
  auto o = job_on(state_backend_kind::hashmap, dir.path);
  o.fast.count = 600'000;
  fs::path sp;
  int stage = 0;
  for (uint32_t p : {1u, 4u}) {
    o.keyed_parallelism = p;
    auto chk = dir.path / ("chk" + std::to_string(stage++));
    auto run = sp.empty() ? start_keyed_count(o, retain_all(chk, 30ms))
                          : start_keyed_count(o, retain_all(chk, 30ms), std::nullopt, sp);
    BOOST_REQUIRE(
      poll_until([&] { return run.job.checkpoint_stats().counts.completed >= 2; }, 30s));
    sp = taken(run.job.savepoint((dir.path / "sp").string(), savepoint_mode::stop));
    auto result = run.job.wait_for(30s);
    BOOST_REQUIRE(result);
    BOOST_REQUIRE_MESSAGE(result->status == job_status::finished, result->message);
    auto md = read_metadata_file(sp);
    for (auto& op : md.operators)
      if (op.uid == counts_uid)
        BOOST_CHECK_EQUAL(op.parallelism, p);
  }
  o.keyed_parallelism = 2;
  auto last = start_keyed_count(o, retain_all(dir.path / "chk-last", 30ms), std::nullopt, sp);
  check_exact(last.job, o);
}

// State that maps to no operator of the job fails the restore, naming the
// uid, unless allowed; another max parallelism is refused before the job
// starts (then the job runs and the skipped state is warned
// about). The savepoint gets an extra operator "ghost" with state.
BOOST_AUTO_TEST_CASE(state_of_a_removed_operator_needs_allow_non_restored_state) {
  temp_dir dir;
  auto o = job_on(state_backend_kind::hashmap, dir.path);
  auto run = start_keyed_count(o, retain_all(dir.path / "chk", 30ms));
  BOOST_REQUIRE(poll_until([&] { return run.job.checkpoint_stats().counts.completed >= 1; }, 30s));
  fs::path sp = taken(run.job.savepoint((dir.path / "sp").string(), savepoint_mode::stop));
  BOOST_REQUIRE(run.job.wait_for(30s));
  auto md = read_metadata_file(sp);
  auto ghost = md.operators.front();
  ghost.uid = "ghost";
  md.operators.push_back(ghost);
  write_metadata_file(sp, md);
  auto pc = default_pipeline_config();
  pc.threads = 2;
  environment env{pc};
  env.set_checkpoint_config(retain_all(dir.path / "chk2", 30ms));
  build_keyed_count_job(env, o, std::make_shared<std::atomic<uint64_t>>(0));
  env.restore_from(sp);
  try {
    env.execute_async("refused");
    BOOST_ERROR("a restore with state of a missing operator was accepted");
  } catch (const sluice::exception& e) {
    BOOST_CHECK_MESSAGE(std::string{e.what()}.find("'ghost'") != std::string::npos, e.what());
    BOOST_CHECK_MESSAGE(std::string{e.what()}.find("--allow-non-restored-state")
                          != std::string::npos,
                        e.what());
  }
  // Another max parallelism cannot take the key groups: refused up front.
  auto other = default_pipeline_config();
  other.threads = 2;
  other.max_parallelism = 64;
  environment env64{other};
  env64.set_checkpoint_config(retain_all(dir.path / "chk64", 30ms));
  build_keyed_count_job(env64, o, std::make_shared<std::atomic<uint64_t>>(0));
  env64.restore_from(sp).allow_non_restored_state(true);
  try {
    env64.execute_async("refused-64");
    BOOST_ERROR("a restore with another max parallelism was accepted");
  } catch (const sluice::exception& e) {
    BOOST_CHECK_MESSAGE(std::string{e.what()}.find("max parallelism 128, the job has 64")
                          != std::string::npos,
                        e.what());
  }
  auto allowed = start_keyed_count(o, retain_all(dir.path / "chk3", 30ms), std::nullopt, sp,
                                   true);
  check_exact(allowed.job, o);
  BOOST_REQUIRE_EQUAL(allowed.env->restore_warnings().size(), 1u);
  BOOST_CHECK(allowed.env->restore_warnings()[0].find("'ghost'") != std::string::npos);
}

// An operator added after the savepoint (Flink: new operators start with
// empty state): the job gets a second, keyed pipeline with new uids. The
// restored keyed counts are exact and the new keyed sum starts from zero.
// (Found a bug: the new collection source took itself for restored, with
// no offsets, and failed every attempt.)
BOOST_AUTO_TEST_CASE(an_operator_added_after_the_savepoint_starts_empty) {
  temp_dir dir;
  auto o = job_on(state_backend_kind::hashmap, dir.path);
  o.fast.count = 400'000;
  auto run = start_keyed_count(o, retain_all(dir.path / "chk", 30ms));
  BOOST_REQUIRE(poll_until([&] { return run.job.checkpoint_stats().counts.completed >= 1; }, 30s));
  fs::path sp = taken(run.job.savepoint((dir.path / "sp").string(), savepoint_mode::stop));
  BOOST_REQUIRE(run.job.wait_for(30s));
  auto pc = default_pipeline_config();
  pc.threads = 2;
  environment env{pc};
  env.set_checkpoint_config(retain_all(dir.path / "chk2", 30ms));
  build_keyed_count_job(env, o, std::make_shared<std::atomic<uint64_t>>(0));
  auto added = env.from_collection(std::vector<keyed_record>{{1, 5}, {1, 6}, {2, 7}})
                 .uid("added-source")
                 .key_by([](const keyed_record& r) { return r.first; })
                 .sum<1>()
                 .uid("added-sum")
                 .collect();
  env.restore_from(sp);
  auto job = env.execute_async("with-an-added-operator");
  check_exact(job, o);
  auto sums = added->values();
  std::sort(sums.begin(), sums.end());
  BOOST_CHECK((sums == std::vector<keyed_record>{{1, 5}, {1, 11}, {2, 7}}));
}

// What cannot work says why, as a sluice error with its own code: no
// checkpointing, no directory.
BOOST_AUTO_TEST_CASE(savepoints_that_cannot_be_taken_say_why) {
  temp_dir dir;
  auto o = job_on(state_backend_kind::hashmap, dir.path);
  o.fast.count = 2'000'000;
  checkpoint_config off; // no interval: checkpointing off
  auto run = start_keyed_count(o, off);
  BOOST_REQUIRE(poll_until([&] { return run.job.status() == job_status::running; }, 10s));
  auto without_checkpointing = run.job.savepoint((dir.path / "sp").string());
  BOOST_REQUIRE_MESSAGE(!without_checkpointing, "a savepoint without checkpointing succeeded");
  auto why = render(without_checkpointing.error());
  BOOST_CHECK_EQUAL(to_string(code_of(without_checkpointing.error())),
                    to_string(ec::checkpoint_failure));
  BOOST_CHECK_MESSAGE(why.find("checkpointing.interval") != std::string::npos, why);
  run.job.cancel();
  run.job.wait();
  auto cfg = retain_all(dir.path / "chk", 30ms);
  cfg.savepoint_dir.clear();
  auto run2 = start_keyed_count(o, cfg);
  BOOST_REQUIRE(poll_until([&] { return run2.job.checkpoint_stats().counts.completed >= 1; }, 30s));
  auto without_dir = run2.job.savepoint();
  BOOST_REQUIRE_MESSAGE(!without_dir, "a savepoint without a directory succeeded");
  // The job master's own code reaches the caller (not one code for all).
  BOOST_CHECK_EQUAL(to_string(code_of(without_dir.error())), to_string(ec::invalid_argument));
  why = render(without_dir.error());
  BOOST_CHECK_MESSAGE(why.find("checkpointing.savepoint-dir") != std::string::npos, why);
  run2.job.cancel();
}

BOOST_AUTO_TEST_SUITE_END()
