// Incremental checkpoints end to end (state.backend=lmdb,
// state.incremental=true): the keyed sum writes only what changed into
// `<dir>/<job-id>/shared/`, each checkpoint's `_metadata` lists the chain
// (last full snapshot, then the deltas), every retained checkpoint read as
// its chain is a consistent cut, a delta is much smaller than the state, and
// shared files live exactly as long as a retained checkpoint references
// them: present while referenced, gone after, none left orphaned, and
// nothing left at all when the job's checkpoints are deleted at the end.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <map>
#include <set>

#include "snapshot/checkpoint_storage.hpp"
#include "tests/checkpoint/coordinator_test_util.hpp"

using namespace sluice;

namespace incremental_checkpoint_test {

using namespace sluice::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

/// The keyed-count job with 20 000 keys (a checkpoint interval changes a
/// part of them) on incremental lmdb state under `dir`.
keyed_count_options incremental_job(const fs::path& dir) {
  keyed_count_options o;
  o.keys = 20'000;
  o.fast.count = 60'000;
  o.slow.count = 8'000;
  o.state.backend = state_backend_kind::lmdb;
  o.state.incremental = true;
  o.state.local_dir = (dir / "lmdb").string();
  return o;
}

/// The shared files `_metadata` of checkpoint `id` references, job-relative;
/// nullopt when the checkpoint is gone (subsumed meanwhile).
std::optional<std::set<std::string>> shared_files_of(const checkpoint_storage& storage,
                                                     uint64_t id) {
  checkpoint_metadata md;
  try {
    md = storage.read_metadata(id);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  std::set<std::string> files;
  for (auto& op : md.operators)
    for (auto& sub : op.subtasks)
      for (auto& h : sub.handles)
        if (auto f = checkpoint_storage::file_of(id, h); f.rfind("shared/", 0) == 0)
          files.insert(f);
  return files;
}

std::set<std::string> shared_on_disk(const fs::path& job_dir) {
  std::set<std::string> files;
  std::error_code err;
  for (auto it = fs::directory_iterator(job_dir / "shared", err);
       !err && it != fs::directory_iterator(); it.increment(err))
    files.insert("shared/" + it->path().filename().string());
  return files;
}

} // namespace

BOOST_AUTO_TEST_SUITE(incremental_checkpoints)

BOOST_AUTO_TEST_CASE(every_checkpoint_read_as_its_chain_is_a_consistent_cut) {
  temp_dir dir;
  auto o = incremental_job(dir.path);
  auto run = run_keyed_count(o, retain_all(dir.path / "checkpoints", 20ms));
  BOOST_REQUIRE_MESSAGE(run.result.status == job_status::finished, run.result.message);
  auto ids = run.storage->completed_ids();
  BOOST_TEST_MESSAGE(ids.size() << " checkpoints retained");
  BOOST_REQUIRE_GE(ids.size(), 4u);
  size_t chained = 0;
  std::set<std::string> referenced;
  for (auto id : ids) {
    auto v = read_checkpoint(*run.storage, id);
    BOOST_CHECK_MESSAGE(v.counts == reference_counts(o, v.offsets),
                        "checkpoint " << id << ": base + deltas differ from the reference");
    // More files than keyed subtasks: some subtask's state is a chain.
    chained += v.counts_files > o.keyed_parallelism ? 1 : 0;
    auto files = shared_files_of(*run.storage, id);
    BOOST_REQUIRE(files);
    referenced.insert(files->begin(), files->end());
  }
  BOOST_CHECK_GE(chained, 2u);
  auto last = read_checkpoint(*run.storage, *ids.rbegin());
  BOOST_CHECK_EQUAL(total(last.counts), static_cast<int64_t>(o.fast.count + o.slow.count));
  // What a delta writes is a fraction of the state it stands for.
  size_t small = 0;
  for (auto& e : run.stats.history)
    if (e.status == checkpoint_status::completed && e.checkpointed_size * 2 < e.state_size)
      ++small;
  BOOST_CHECK_GE(small, 2u);
  // Every shared file is referenced by a retained checkpoint and vice versa.
  BOOST_CHECK(shared_on_disk(run.storage->job_dir()) == referenced);
}

BOOST_AUTO_TEST_CASE(shared_files_survive_while_referenced_and_are_gone_after) {
  temp_dir dir;
  auto o = incremental_job(dir.path);
  o.sink_delay = 200us; // a longer run: more checkpoints, chains restart
  auto cfg = fs_config(dir.path / "checkpoints", 15ms, 2);
  auto run = start_keyed_count(o, cfg);
  // Polling while the job runs: a file referenced by a checkpoint whose
  // `_metadata` still exists after the file was looked for must exist.
  // Checkpoints are deleted before the files they alone referenced, so a
  // missing file of a live checkpoint is a file deleted too early.
  std::map<std::string, std::set<uint64_t>> seen; // file -> checkpoints
  size_t checks = 0;
  std::optional<job_result> result;
  while (!(result = run.job.wait_for(3ms))) {
    auto storage = run.job.storage();
    for (auto id : storage->completed_ids()) {
      auto files = shared_files_of(*storage, id);
      if (!files)
        continue;
      for (auto& f : *files) {
        seen[f].insert(id);
        bool exists = fs::exists(storage->job_dir() / f);
        ++checks;
        if (!exists && fs::exists(storage->job_dir() / ("chk-" + std::to_string(id)) / "_metadata"))
          BOOST_ERROR(f << " is gone while checkpoint " << id << " references it");
      }
    }
  }
  BOOST_REQUIRE_MESSAGE(result->status == job_status::finished, result->message);
  BOOST_TEST_MESSAGE(checks << " checks of " << seen.size() << " shared files");
  auto storage = run.job.storage();
  auto kept = storage->completed_ids();
  BOOST_CHECK_EQUAL(kept.size(), 2u);
  std::set<std::string> referenced;
  for (auto id : kept) {
    auto files = shared_files_of(*storage, id);
    BOOST_REQUIRE(files);
    referenced.insert(files->begin(), files->end());
  }
  // Files shared by several checkpoints outlived the first of them ...
  size_t outlived = 0;
  for (auto& [f, ids] : seen)
    outlived += ids.size() >= 3 ? 1 : 0;
  BOOST_CHECK_GE(outlived, 1u);
  // ... and every file no retained checkpoint references is gone.
  size_t gone = 0;
  for (auto& [f, ids] : seen) {
    bool exists = fs::exists(storage->job_dir() / f);
    BOOST_CHECK_MESSAGE(exists == (referenced.count(f) > 0), f << (exists ? " left" : " lost"));
    gone += exists ? 0 : 1;
  }
  BOOST_CHECK_GE(gone, 1u);
  BOOST_CHECK(shared_on_disk(storage->job_dir()) == referenced);
}

BOOST_AUTO_TEST_CASE(nothing_is_left_when_the_checkpoints_are_deleted_at_the_end) {
  temp_dir dir;
  auto o = incremental_job(dir.path);
  o.fast.count = 20'000;
  auto cfg = fs_config(dir.path / "checkpoints", 15ms, 3);
  cfg.externalized = externalized_cleanup::none;
  auto run = run_keyed_count(o, cfg);
  BOOST_REQUIRE_MESSAGE(run.result.status == job_status::finished, run.result.message);
  BOOST_CHECK_GE(run.stats.counts.completed, 2u);
  BOOST_CHECK_MESSAGE(!fs::exists(run.storage->job_dir()),
                      run.storage->job_dir() << " is left after the job");
}

// Memory storage (inline images, gone when the job ends): every checkpoint
// that completes while the job runs is read as its chain and checked.
BOOST_AUTO_TEST_CASE(memory_storage_keeps_chains_inline) {
  temp_dir dir;
  auto o = incremental_job(dir.path);
  o.fast.count = 20'000;
  checkpoint_config cfg;
  cfg.interval = 15ms;
  cfg.storage = checkpoint_storage_type::memory;
  cfg.retained = 100;
  auto run = start_keyed_count(o, cfg);
  std::set<uint64_t> verified;
  std::optional<job_result> result;
  while (!(result = run.job.wait_for(3ms))) {
    auto storage = run.job.storage();
    for (auto id : storage->completed_ids()) {
      if (verified.count(id) > 0)
        continue;
      checkpoint_view v;
      try {
        v = read_checkpoint(*storage, id);
      } catch (const std::exception&) {
        continue; // discarded meanwhile
      }
      BOOST_CHECK_MESSAGE(v.counts == reference_counts(o, v.offsets), "checkpoint " << id);
      verified.insert(id);
    }
  }
  BOOST_REQUIRE_MESSAGE(result->status == job_status::finished, result->message);
  BOOST_TEST_MESSAGE(verified.size() << " checkpoints verified");
  BOOST_CHECK_GE(verified.size(), 2u);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace incremental_checkpoint_test
