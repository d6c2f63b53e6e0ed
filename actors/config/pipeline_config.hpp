// Plain values of the `pipeline.*` options (no CAF here: the C++ API uses it).
//
// Filled from compiled-in defaults (meson options), then the config file and
// command line (actors/config/system_config.hpp), then the C++ API. `validate()` in
// actors/config/system_config.hpp checks it once before a job starts.
#pragma once

#include <chrono>
#include <cstdint>

#include "sluice_defaults.hpp"

namespace sluice {

struct pipeline_config {
  /// Default parallelism of operators that set none.
  uint32_t parallelism = SLUICE_DEFAULT_PIPELINE_PARALLELISM;
  /// Number of key groups; upper bound for rescaling keyed state.
  uint32_t max_parallelism = SLUICE_DEFAULT_PIPELINE_MAX_PARALLELISM;
  /// Records per batch crossing actors.
  uint32_t batch_size = SLUICE_DEFAULT_PIPELINE_BATCH_SIZE;
  /// A partly filled output batch is sent at the latest after this long.
  std::chrono::milliseconds buffer_timeout{100};
  /// How often timestamp assigners emit their generator's watermark
  /// (Flink's pipeline.auto-watermark-interval); 0: periodic emission off.
  std::chrono::milliseconds auto_watermark_interval{200};
  /// CAF scheduler threads of an own actor system (0: one per core).
  uint32_t threads = SLUICE_DEFAULT_PIPELINE_THREADS;
  /// Credit window: data batches a sender may have in flight per channel
  /// (Flink's buffers-per-channel). Bounds every input queue.
  uint32_t buffers_per_channel = SLUICE_DEFAULT_PIPELINE_BUFFERS_PER_CHANNEL;
  /// `heartbeat.interval` / `heartbeat.timeout` (Flink's names): the job
  /// master asks every running subtask for a sign of life this often; one
  /// that has not answered within the timeout (stuck in user code, a full
  /// mailbox that does not move) is failed, so the restart strategy
  /// decides. Set from the compiled-in defaults by default_pipeline_config.
  std::chrono::milliseconds heartbeat_interval{10'000};
  std::chrono::milliseconds heartbeat_timeout{50'000};
  /// Test switch, C++ only: false turns credits off (unbounded queues), so
  /// flow-control tests can show what the credits prevent.
  bool credit_based = true;
};

} // namespace sluice
