// Job status and final result as seen by clients (no CAF).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "snapshot/error.hpp"

namespace sluice {

/// Flink's JobStatus, reduced to what sluice has so far.
enum class job_status : uint8_t {
  created,
  running,
  /// A subtask failed; the others are being stopped.
  failing,
  /// Cancel requested; subtasks are being stopped.
  cancelling,
  /// A subtask failed and the restart strategy allows a restart: the
  /// attempt is being stopped, then (after the backoff) redeployed from the
  /// latest completed checkpoint (Flink's RESTARTING).
  restarting,
  finished,
  failed,
  cancelled,
};

const char* to_string(job_status s) noexcept;

inline bool is_terminal(job_status s) noexcept {
  return s == job_status::finished || s == job_status::failed
         || s == job_status::cancelled;
}

/// Counters of one subtask that finished normally (Flink's task metrics).
struct subtask_metrics {
  /// Task (chain) name.
  std::string task;
  /// Vertex id in the execution plan and parallel instance index.
  uint32_t vertex = 0;
  uint32_t subtask_index = 0;
  /// Data batches and records taken from the input queues.
  uint64_t batches_in = 0;
  uint64_t records_in = 0;
  /// Records the chain's last operator emitted.
  uint64_t records_out = 0;
  /// Most data batches one input channel held at once (with credits on,
  /// at most `pipeline.buffers-per-channel`).
  uint64_t peak_input_queue = 0;
  /// Most items one output channel held back for lack of credit.
  uint64_t peak_output_queue = 0;
  /// How often the subtask stopped reading its inputs (or its source
  /// stopped) because an output had no credit.
  uint64_t backpressured = 0;
  /// Input channels blocked by aligned checkpoint barriers (alignment).
  uint64_t blocked_channels = 0;
  /// Snapshots taken (checkpoints this subtask took part in).
  uint64_t snapshots = 0;
};

/// Failovers of a job so far (Flink's numRestarts, the exception history's
/// latest entry, and the accumulated restarting time).
struct job_restart_stats {
  /// Restarts done (attempts redeployed after a failure).
  uint64_t restarts = 0;
  /// The cause of the latest failure (empty: none yet).
  std::string last_failure;
  /// Time from failures to the redeployment of the next attempt, summed.
  std::chrono::milliseconds downtime{0};
  /// The checkpoint the latest restart restored (0: none, a fresh start).
  uint64_t restored_checkpoint = 0;
};

/// What a job ended with.
struct job_result {
  job_status status = job_status::created;
  /// ec::none unless failed or cancelled.
  ec code = ec::none;
  /// The failure cause, naming the operator and subtask; empty otherwise.
  std::string message;
  /// One entry per subtask that finished normally (vertex order, then
  /// subtask index) in the last attempt.
  std::vector<subtask_metrics> subtasks;
  /// Restarts over the job's life.
  job_restart_stats restarts;
};

} // namespace sluice
