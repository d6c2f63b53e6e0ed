// The engine side of sluice-bench: each workload as a sluice job built with
// the C++ API, ending in a sink that counts and checksums what it receives
// (the same checksum as the workload's baseline in baselines.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "actors/checkpoint/checkpoint_config.hpp"
#include "actors/checkpoint/checkpoint_stats.hpp"
#include "actors/config/state_config.hpp"
#include "actors/contract/job_status.hpp"
#include "actors/config/pipeline_config.hpp"
#include "apps/bench/baselines.hpp"

namespace sluice::bench {

struct engine_options {
  /// Records the source emits (word-count: words).
  uint64_t records = 0;
  /// Distinct keys (keyed-count: users; word-count: words).
  uint64_t keys = 0;
  uint32_t parallelism = 2;
  /// 0: the compiled-in pipeline.batch-size.
  uint32_t batch_size = 0;
  /// CAF scheduler threads; 0: one per core.
  uint32_t threads = 0;
  /// 0: the compiled-in pipeline.buffers-per-channel.
  uint32_t buffers_per_channel = 0;
  /// The job's checkpointing; off unless `interval` is set.
  checkpoint_config checkpointing = checkpoints_off();
  /// Where keyed state lives (keyed-count-lmdb: lmdb).
  state_config state;
  /// The sink sleeps this long per batch (0: not at): a slow sink whose
  /// backpressure fills every channel (the checkpoint-latency workload).
  std::chrono::microseconds sink_delay{0};

  static checkpoint_config checkpoints_off() {
    checkpoint_config c;
    c.interval.reset();
    return c;
  }

  /// Memory storage, exactly once, every `interval`; aligned (no aligned
  /// timeout) unless `unaligned`.
  static checkpoint_config checkpoints_every(std::chrono::milliseconds interval,
                                             bool unaligned = false);

  /// The compiled-in pipeline config with this run's parallelism, threads
  /// and, when set, batch size and buffers per channel.
  pipeline_config pipeline() const;
};

struct engine_run {
  /// What the sink received (all subtasks).
  tally_result received;
  /// Wall-clock time of `execute`: deploy, run, drain, stop (the actor
  /// system is started before the clock starts).
  double seconds = 0;
  job_result result;
  /// With checkpointing: every checkpoint that completed, oldest first
  /// (collected by polling `checkpoint_stats()` every 10 ms while the job
  /// runs, so none is lost to the 10-entry history), and the statistics
  /// after the job ended.
  std::vector<checkpoint_stats_entry> completed_checkpoints;
  checkpoint_stats_snapshot checkpoint_stats;
};

/// source(int64) -> map(x + 1) -> sink(sum), all operators at `parallelism`.
engine_run run_passthrough(const engine_options& opts);

/// click source -> map(user, 1) -> key_by(user) -> sum<1>() -> sink (the
/// sink chained to the keyed operator; `sink_delay` throttles it).
engine_run run_keyed_count(const engine_options& opts);

/// line source -> flat_map(split into (word, 1)) -> key_by(word) -> sum<1>()
/// -> sink.
engine_run run_word_count(const engine_options& opts);

} // namespace sluice::bench
