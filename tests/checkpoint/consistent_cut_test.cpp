// Checkpoints end to end: every completed exactly-once checkpoint of the
// keyed-count job (two sources of different speeds, skewed keys, a keyed
// sum at parallelism 3 with 3 upstream senders per subtask) is a consistent
// cut: the keyed state equals the reference computed from exactly the
// source offsets recorded in the same checkpoint. Aligned, unaligned (under
// a throttled sink, with channel state replayed into the reference), and
// the final checkpoint at the end of input (FLIP-147).
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "tests/checkpoint/checkpoint_test_util.hpp"

using namespace sluice;

namespace consistent_cut_test {

using namespace sluice::testing;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(consistent_cut)

BOOST_AUTO_TEST_CASE(every_aligned_checkpoint_is_a_consistent_cut) {
  temp_dir dir;
  keyed_count_options o;
  auto run = run_keyed_count(o, retain_all(dir.path, 20ms));
  BOOST_REQUIRE_MESSAGE(run.result.status == job_status::finished, run.result.message);
  auto ids = run.storage->completed_ids();
  BOOST_TEST_MESSAGE(ids.size() << " checkpoints retained");
  BOOST_REQUIRE_GE(ids.size(), 3u);
  size_t with_partial_offsets = 0;
  for (auto id : ids) {
    auto v = read_checkpoint(*run.storage, id);
    BOOST_REQUIRE_EQUAL(v.offsets.size(), 2u);
    auto expected = reference_counts(o, v.offsets);
    BOOST_CHECK_MESSAGE(v.counts == expected, "checkpoint " << id << ": state differs from the "
                                                            << "reference of its offsets");
    if (v.offsets.at("slow-source")[0] < o.slow.count - 2)
      ++with_partial_offsets;
  }
  // Checkpoints were taken mid-stream, not only the final one.
  BOOST_CHECK_GE(with_partial_offsets, 2u);
  // The final checkpoint holds everything.
  auto last = read_checkpoint(*run.storage, *ids.rbegin());
  BOOST_CHECK_EQUAL(last.offsets.at("fast-source")[0], o.fast.count);
  BOOST_CHECK_EQUAL(total(last.counts), static_cast<int64_t>(o.fast.count + o.slow.count));
  // Alignment was really exercised: the keyed subtasks blocked channels
  // and some alignment took time.
  uint64_t blocked = 0;
  for (auto& m : run.result.subtasks)
    if (m.task == "sum")
      blocked += m.blocked_channels;
  BOOST_CHECK_GT(blocked, 0u);
  BOOST_CHECK_GT(max_alignment(run.stats, "sum"), 0);
}

BOOST_AUTO_TEST_CASE(unaligned_checkpoints_persist_in_flight_data) {
  temp_dir dir;
  keyed_count_options o;
  o.fast.count = 20'000;
  o.slow.count = 4'000;
  o.sink_delay = 300us;
  auto cfg = retain_all(dir.path, 30ms);
  cfg.unaligned = true;
  auto run = run_keyed_count(o, cfg);
  BOOST_REQUIRE_MESSAGE(run.result.status == job_status::finished, run.result.message);
  auto ids = run.storage->completed_ids();
  BOOST_REQUIRE_GE(ids.size(), 2u);
  uint64_t persisted = 0;
  for (auto id : ids) {
    auto v = read_unaligned_checkpoint(*run.storage, id);
    persisted += v.in_flight_records;
    auto expected = reference_counts(o, v.offsets);
    BOOST_CHECK_MESSAGE(v.replayed_counts == expected,
                        "checkpoint " << id << ": state + channel state differ from the "
                                      << "reference of its offsets");
  }
  BOOST_TEST_MESSAGE("in-flight records persisted: " << persisted);
  BOOST_CHECK_GT(persisted, 0u);
  BOOST_CHECK_GT(run.stats.summary.persisted_data.max, 0u);
}

// The same consistent-cut check with the keyed sum on the lmdb backend:
// its snapshots are LMDB read transactions written while the sum goes on.
// Every working directory is gone when the job has ended.
BOOST_AUTO_TEST_CASE(lmdb_backend_checkpoints_are_consistent_cuts) {
  temp_dir dir;
  keyed_count_options o;
  o.fast.count = 30'000;
  o.slow.count = 6'000;
  o.state.backend = state_backend_kind::lmdb;
  o.state.local_dir = (dir.path / "lmdb").string();
  o.state.lmdb_cache_entries = 0; // every batch reads and writes LMDB
  auto run = run_keyed_count(o, retain_all(dir.path / "checkpoints", 20ms));
  BOOST_REQUIRE_MESSAGE(run.result.status == job_status::finished, run.result.message);
  auto ids = run.storage->completed_ids();
  BOOST_REQUIRE_GE(ids.size(), 3u);
  for (auto id : ids) {
    auto v = read_checkpoint(*run.storage, id);
    BOOST_CHECK_MESSAGE(v.counts == reference_counts(o, v.offsets),
                        "checkpoint " << id << ": lmdb state differs from the reference");
  }
  auto last = read_checkpoint(*run.storage, *ids.rbegin());
  BOOST_CHECK_EQUAL(total(last.counts), static_cast<int64_t>(o.fast.count + o.slow.count));
  // The keyed subtasks worked in <local-dir>/<job-id>/counts-<i>-<attempt>,
  // removed when they ended.
  auto job_dir = dir.path / "lmdb" / run.job_id;
  BOOST_CHECK(std::filesystem::exists(job_dir));
  size_t left = 0;
  for (auto& entry : std::filesystem::directory_iterator{job_dir}) {
    BOOST_TEST_MESSAGE("left behind: " << entry.path());
    ++left;
  }
  BOOST_CHECK_EQUAL(left, 0u);
}

BOOST_AUTO_TEST_CASE(aligned_timeout_switches_slow_alignments_to_unaligned) {
  // Alignments behind the slow path take longer than 5 ms: they switch to
  // unaligned and the cut stays exact with the channel state. With a
  // timeout far above any alignment, every checkpoint stays aligned.
  for (auto timeout : {5ms, 60'000ms}) {
    temp_dir dir;
    keyed_count_options o;
    o.fast.count = 20'000;
    o.slow.count = 4'000;
    o.sink_delay = 300us;
    auto cfg = retain_all(dir.path, 30ms);
    cfg.unaligned = true;
    cfg.aligned_timeout = timeout;
    auto run = run_keyed_count(o, cfg);
    BOOST_REQUIRE_MESSAGE(run.result.status == job_status::finished, run.result.message);
    auto ids = run.storage->completed_ids();
    BOOST_REQUIRE_GE(ids.size(), 2u);
    // Only a switched (unaligned) snapshot persists in-flight records.
    uint64_t in_flight = 0;
    for (auto id : ids) {
      auto v = read_unaligned_checkpoint(*run.storage, id);
      in_flight += v.in_flight_records;
      BOOST_CHECK_MESSAGE(v.replayed_counts == reference_counts(o, v.offsets),
                          "aligned-timeout " << timeout.count() << " ms, checkpoint " << id
                                             << ": not a consistent cut");
    }
    BOOST_TEST_MESSAGE("aligned-timeout " << timeout.count() << " ms: " << in_flight
                                          << " in-flight records persisted");
    if (timeout == 5ms)
      BOOST_CHECK_GT(in_flight, 0u);
    else
      BOOST_CHECK_EQUAL(in_flight, 0u);
  }
}

BOOST_AUTO_TEST_CASE(at_least_once_never_blocks_and_completes) {
  temp_dir dir;
  keyed_count_options o;
  auto cfg = retain_all(dir.path, 20ms);
  cfg.mode = checkpointing_mode::at_least_once;
  auto run = run_keyed_count(o, cfg);
  BOOST_REQUIRE_MESSAGE(run.result.status == job_status::finished, run.result.message);
  BOOST_CHECK_GE(run.stats.counts.completed, 2u);
  for (auto& m : run.result.subtasks)
    BOOST_CHECK_EQUAL(m.blocked_channels, 0u);
  // The final checkpoint is exact even at-least-once: every input ended.
  auto ids = run.storage->completed_ids();
  auto last = read_checkpoint(*run.storage, *ids.rbegin());
  BOOST_CHECK(last.counts == reference_counts(o, last.offsets));
}

BOOST_AUTO_TEST_CASE(a_bounded_job_ends_with_a_final_checkpoint) {
  // A long interval: the job's input ends long before the first periodic
  // trigger, and the job still ends with a checkpoint of everything.
  temp_dir dir;
  keyed_count_options o;
  o.fast.count = 2'000;
  o.slow.count = 400;
  o.slow_path_delay = 0us;
  auto cfg = retain_all(dir.path, 1h);
  auto run = run_keyed_count(o, cfg);
  BOOST_REQUIRE_MESSAGE(run.result.status == job_status::finished, run.result.message);
  BOOST_REQUIRE_EQUAL(run.stats.counts.completed, 1u);
  auto ids = run.storage->completed_ids();
  BOOST_REQUIRE_EQUAL(ids.size(), 1u);
  auto v = read_checkpoint(*run.storage, *ids.begin());
  BOOST_CHECK_EQUAL(total(v.counts), 2'400);
  BOOST_CHECK(v.counts == reference_counts(o, v.offsets));
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace consistent_cut_test
