// The checkpoint workloads of sluice-bench: what checkpointing costs in
// throughput, and how long a checkpoint takes under backpressure, aligned
// against unaligned. Each runs the keyed-count job (engine_jobs.hpp) twice
// in the calling process and prints one JSON line; there is no hand-written
// baseline, the two engine runs are compared with each other (both must
// deliver the same records with the same checksum).
#pragma once

#include <ostream>

#include "apps/bench/engine_jobs.hpp"

namespace sluice::bench {

/// `checkpointing`: keyed-count with checkpointing off, then every
/// `checkpoint_interval` (memory storage, exactly once, aligned; `base`'s
/// checkpointing is ignored). Prints records, keys, parallelism,
/// batch_size, interval_ms, off_rps, on_rps, ratio (on_rps / off_rps),
/// off_seconds, on_seconds, off_cpu_seconds, on_cpu_seconds (user + system
/// time of the process during each run) and cpu_ratio (on / off: the cost
/// of checkpointing, less sensitive than wall time to a busy machine),
/// checkpoints_completed, checkpoints_failed,
/// mean_checkpoint_ms and max_checkpoint_ms (end to end: trigger to last
/// ack), mean_state_kb. Returns 0, or 1 when a job failed or the two runs
/// disagree on what the sink received.
int bench_checkpointing(const engine_options& base, std::ostream& out,
                        std::chrono::milliseconds checkpoint_interval
                        = std::chrono::milliseconds{1000});

/// `checkpoint-latency`: keyed-count with a sink sleeping `base.sink_delay`
/// per batch, so that backpressure fills every channel, checkpointing every
/// `checkpoint_interval`; run aligned, then unaligned (aligned-timeout 0).
/// For each: seconds, completed and failed checkpoints, median_ms and max_ms
/// of the end-to-end duration of every completed checkpoint, the median over
/// checkpoints of the slowest subtask's start delay (trigger to its first
/// barrier; the engine measures it in whole milliseconds), the longest
/// alignment of a subtask, and (unaligned) median and max persisted
/// in-flight bytes and how many checkpoints a subtask actually took
/// unaligned. Returns 0, or 1 as `bench_checkpointing`.
int bench_checkpoint_latency(const engine_options& base, std::ostream& out,
                             std::chrono::milliseconds checkpoint_interval
                             = std::chrono::milliseconds{200});

} // namespace sluice::bench
