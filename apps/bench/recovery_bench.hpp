// The `recovery` workload of sluice-bench (issue 6): how long a job takes
// to recover from a killed subtask, against the size of its keyed state,
// for both keyed state backends. Runs the engine in the calling process,
// one job per (backend, state size), backends outer, sizes inner.
//
// The job (own actor system, pipeline defaults, parallelism 2):
//   generator source (parallelism 1, uid "source"): record i (0 <= i <
//     keys + loop) is (key i % keys, seq i, payload of value_bytes bytes);
//     the first `keys` records fill the state (one per key), the rest loop
//     over the keys at full speed. Replayable: its offset (next i) is the
//     operator list state "offset", restored with restored_offset().
//   -> key_by(key) -> keyed process (parallelism 2, uid "state"): keeps the
//     payload in value_state<std::string> "payload" (state MB ~ keys *
//     value_bytes / 1e6; keys = state_mb * 1e6 / value_bytes) and emits seq
//   -> sink (chained, parallelism 2): counts records and stamps steady_clock
//     times, per job attempt (subtask_info::attempt).
// Checkpointing: exactly once, aligned, every max(1 s, 20 ms per MB)
// (10 MB: 1 s, 100 MB: 2 s, 1000 MB: 20 s) with min-pause half that,
// filesystem storage in the scratch directory, retained 1, state.incremental
// false; lmdb working directories (state.local-dir) in the scratch directory.
// Restart strategy: fixed-delay, 10 attempts, no delay.
//
// Procedure: wait until the sink received the `keys` fill records and a
// checkpoint completed whose source offset is >= keys (taken after the
// fill). Then hard-link that checkpoint's files into the scratch directory
// (for the baseline: the engine discards them later), note the sink's
// count, the highest seq each sink subtask received and the source's offset,
// and at t0 kill keyed subtask 0 (caf::exit_reason::kill). Measured from t0:
//   restart_ms        the job is running again with restarts == 1 (the
//                     redeploy; polled every 200 us),
//   first_record_ms   the first record of the new attempt reaches the sink,
//   source_caught_up_ms  the new attempt's source offset reaches the offset
//                     of the old attempt at t0,
//   caught_up_ms      every sink subtask of the new attempt received a seq
//                     >= the highest seq its predecessor had received at t0
//                     (same key groups at the same parallelism, in order per
//                     channel: everything delivered before the failure has
//                     been delivered again),
//   downtime_ms       restart_stats().downtime (failure -> redeploy, as the
//                     job master measures it).
// Then the job is cancelled and its actor system stopped, and the baseline
// runs: the hard-linked state files of the restored checkpoint read one by
// one with read_state_file (every file, one thread) and each keyed entry
// (encoded key -> decode_value<std::string> of its value) put into one
// std::unordered_map<std::string, std::string>. The engine restores the two
// keyed subtasks concurrently (2 cores); the baseline is single-threaded.
//
// Prints one JSON line per (backend, state size): workload, backend,
// state_mb, keys, value_bytes, interval_ms, fill_s (submit -> the sink's
// count reached `keys`), steady_rps (sink records per second from then to
// t0), checkpoint_id, state_size (bytes, the restored checkpoint's
// state_size from checkpoint_stats), checkpoint_ms (its end-to-end
// duration), records_at_kill (sink, attempt 1), offset_at_kill (source),
// restored_offset, replayed (offset_at_kill - restored_offset), restart_ms,
// downtime_ms, first_record_ms, source_caught_up_ms, caught_up_ms,
// baseline_ms, baseline_entries, restore_vs_baseline (first_record_ms /
// baseline_ms), peak_rss_mb (the process so far: earlier runs included).
//
// Scratch: a fresh directory made with mkdtemp in `options.dir` (default:
// temp_directory_path()), one subdirectory per run removed after it, the
// whole directory removed at the end, also on failure. Returns 0; 1 when a
// job failed or ended early, restarted other than once, restored another
// checkpoint than the one linked, or a phase took longer than 15 minutes
// (the reason on stderr). Throws what the engine's configuration checks,
// the state file reader and the filesystem throw.
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <vector>

#include "snapshot/keyed_state_backend.hpp"

namespace sluice::bench {

struct recovery_options {
  /// State sizes in MB (10^6 bytes of values), each > 0.
  std::vector<uint64_t> state_mb{10, 100};
  /// Backends to run, in this order.
  std::vector<state_backend_kind> backends{state_backend_kind::hashmap,
                                           state_backend_kind::lmdb};
  /// Bytes per value, > 0.
  uint32_t value_bytes = 100;
  /// Parent of the scratch directory; empty: temp_directory_path().
  std::filesystem::path dir;
};

/// `recovery`: see the file comment.
int bench_recovery(const recovery_options& options, std::ostream& out);

} // namespace sluice::bench
