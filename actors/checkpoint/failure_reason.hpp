// Why a checkpoint (or a trigger attempt) failed: Flink's
// CheckpointFailureReason, reduced to what sluice can produce. The reason
// decides whether the failure counts towards
// `checkpointing.tolerable-failures` (see failure_manager.hpp) and is shown
// in the checkpoint statistics. Plain C++, no CAF.
#pragma once

#include <cstdint>

namespace sluice {

enum class checkpoint_failure_reason : uint8_t {
  // --- before a checkpoint exists (trigger attempts) -------------------
  /// Periodic triggering was stopped (job ending or restarting).
  periodic_scheduler_shutdown,
  /// `max-concurrent` checkpoints are already in progress.
  too_many_concurrent_checkpoints,
  /// `min-pause` since the end of the last checkpoint has not passed yet.
  minimum_time_between_checkpoints,
  /// Some subtasks are still being deployed (or restarting): declined.
  not_all_required_tasks_running,
  /// Checkpoint storage failed (e.g. cannot create `chk-<n>/`).
  io_exception,
  // --- a subtask declined ---------------------------------------------
  /// The subtask's snapshot failed (synchronous part, e.g. state backend).
  checkpoint_declined,
  /// The asynchronous part of the subtask's snapshot failed (upload).
  checkpoint_async_exception,
  /// The subtask was not ready (still restoring) when barrier n arrived.
  checkpoint_declined_task_not_ready,
  /// The subtask is closing or being cancelled.
  checkpoint_declined_task_closing,
  /// An input of the subtask ended before barrier n arrived on it.
  checkpoint_declined_input_end_of_stream,
  /// The subtask already handles a newer checkpoint.
  checkpoint_declined_subsumed,
  // --- the coordinator ------------------------------------------------
  /// Not complete within `checkpointing.timeout`.
  checkpoint_expired,
  /// A newer checkpoint completed first.
  checkpoint_subsumed,
  /// Writing `_metadata` (or finishing the checkpoint otherwise) failed.
  finalize_checkpoint_failure,
  /// A subtask failed while the checkpoint was in progress; the job
  /// restarts anyway.
  task_failure,
  /// The job is restarting (failover): pending checkpoints are dropped.
  job_failover,
  /// The coordinator stops (job cancelled, finished or failed).
  checkpoint_coordinator_shutdown,
};

/// snake_case name, e.g. "checkpoint_expired".
const char* to_string(checkpoint_failure_reason r) noexcept;

/// Flink's human message, e.g. "Checkpoint expired before completing.".
const char* describe(checkpoint_failure_reason r) noexcept;

/// Whether a failure with this reason counts towards
/// `checkpointing.tolerable-failures` (Flink's
/// CheckpointFailureManager#checkFailureCounter): storage errors, declines
/// from a failed snapshot (sync or async part), expiry and finalization
/// failures count; everything caused by scheduling, deployment, closing
/// tasks, subsumption, failover or shutdown does not.
bool counts_as_failure(checkpoint_failure_reason r) noexcept;

} // namespace sluice
