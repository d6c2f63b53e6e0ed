// The `checkpoint-size` workload of sluice-bench (issue 5): checkpoint
// duration and size against state size, full against incremental, for both
// keyed state backends. Works on keyed_state_backend directly (one subtask
// owning all 128 key groups, no actor system), in the calling process.
//
// For each state size S (MB = 10^6 bytes of values): keys = S / value_bytes
// uint64 keys, each with a value_state<std::string> of `value_bytes`
// pseudo-random bytes, end_batch every 4096 records. Then, one backend alive
// at a time:
//   1. lmdb, incremental (full_every 10): fill; checkpoint 1 (full);
//      notify_checkpoint_complete(1); overwrite `changed_percent`% of the
//      keys (spread evenly) with new values of the same size; checkpoint 2
//      (incremental, only the changed keys).
//   2. The hand-written baseline, while the lmdb backend still lives: every
//      entry of the backend's LMDB (composed keys, encoded values) copied in
//      key order (MDB_APPEND) into a raw LMDB environment of its own (no
//      engine), whose copy to one file (mdb_env_copyfd2, no compaction, then
//      fsync) is timed: the cost of persisting the same raw state.
//   3. hashmap: fill; checkpoint 1 (full; hashmap has no incremental mode).
// A checkpoint is timed in its two parts: sync = keyed_state_backend::
// snapshot(id) (on the actor in the engine); async = state_file_writer::
// to_file in the scratch directory + write_to + finish (which fsyncs). Its
// size is the state file's size; the file is removed right after.
//
// Prints one JSON line per state size: workload, state_mb, keys,
// value_bytes, changed_percent, changed_keys, lmdb_fill_s,
// lmdb_full_sync_ms, lmdb_full_async_ms, lmdb_full_bytes, lmdb_env_bytes
// (data.mdb of the backend after checkpoint 2), lmdb_incr_sync_ms,
// lmdb_incr_async_ms, lmdb_incr_bytes, lmdb_incr_entries, incr_ratio
// (lmdb_incr_bytes / lmdb_full_bytes), hashmap_fill_s, hashmap_full_sync_ms,
// hashmap_full_async_ms, hashmap_full_bytes, baseline_copy_ms,
// baseline_bytes (the copied file), full_vs_baseline ((lmdb_full_sync_ms +
// lmdb_full_async_ms) / baseline_copy_ms), hashmap_vs_baseline (the same for
// hashmap), peak_rss_mb (of the process so far: all sizes before included).
//
// Scratch: a fresh directory made with mkdtemp in `options.dir` (default:
// std::filesystem::temp_directory_path()), removed at the end, also on
// failure. Returns 0; 1 when a checkpoint is not of the expected kind or
// holds a wrong number of entries (the error on stderr). Throws whatever
// the backend, the state file writer or LMDB throw (std::runtime_error for
// the baseline's LMDB calls).
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <vector>

namespace sluice::bench {

struct state_checkpoint_options {
  /// State sizes in MB (10^6 bytes of values), each > 0.
  std::vector<uint64_t> state_mb{10, 100};
  /// Bytes per value, > 0.
  uint32_t value_bytes = 100;
  /// Keys changed between the full and the incremental checkpoint, 0..100.
  uint32_t changed_percent = 1;
  /// Parent of the scratch directory; empty: temp_directory_path().
  std::filesystem::path dir;
};

/// `checkpoint-size`: see the file comment.
int bench_checkpoint_size(const state_checkpoint_options& options, std::ostream& out);

} // namespace sluice::bench
