#include "actors/checkpoint/failure_reason.hpp"

namespace sluice {

const char* to_string(checkpoint_failure_reason r) noexcept {
  using enum checkpoint_failure_reason;
  switch (r) {
    case periodic_scheduler_shutdown:
      return "periodic_scheduler_shutdown";
    case too_many_concurrent_checkpoints:
      return "too_many_concurrent_checkpoints";
    case minimum_time_between_checkpoints:
      return "minimum_time_between_checkpoints";
    case not_all_required_tasks_running:
      return "not_all_required_tasks_running";
    case io_exception:
      return "io_exception";
    case checkpoint_declined:
      return "checkpoint_declined";
    case checkpoint_async_exception:
      return "checkpoint_async_exception";
    case checkpoint_declined_task_not_ready:
      return "checkpoint_declined_task_not_ready";
    case checkpoint_declined_task_closing:
      return "checkpoint_declined_task_closing";
    case checkpoint_declined_input_end_of_stream:
      return "checkpoint_declined_input_end_of_stream";
    case checkpoint_declined_subsumed:
      return "checkpoint_declined_subsumed";
    case checkpoint_expired:
      return "checkpoint_expired";
    case checkpoint_subsumed:
      return "checkpoint_subsumed";
    case finalize_checkpoint_failure:
      return "finalize_checkpoint_failure";
    case task_failure:
      return "task_failure";
    case job_failover:
      return "job_failover";
    case checkpoint_coordinator_shutdown:
      return "checkpoint_coordinator_shutdown";
  }
  return "?";
}

const char* describe(checkpoint_failure_reason r) noexcept {
  using enum checkpoint_failure_reason;
  switch (r) {
    case periodic_scheduler_shutdown:
      return "Periodic checkpoint scheduler is shut down.";
    case too_many_concurrent_checkpoints:
      return "The maximum number of concurrent checkpoints is exceeded.";
    case minimum_time_between_checkpoints:
      return "The minimum time between checkpoints is still pending.";
    case not_all_required_tasks_running:
      return "Not all required tasks are currently running.";
    case io_exception:
      return "An exception occurred while triggering the checkpoint (checkpoint storage).";
    case checkpoint_declined:
      return "Checkpoint was declined.";
    case checkpoint_async_exception:
      return "Asynchronous task checkpoint failed.";
    case checkpoint_declined_task_not_ready:
      return "Checkpoint was declined (task not ready).";
    case checkpoint_declined_task_closing:
      return "Checkpoint was declined (task is closing).";
    case checkpoint_declined_input_end_of_stream:
      return "Checkpoint was declined because one input stream is finished.";
    case checkpoint_declined_subsumed:
      return "Checkpoint was canceled because a barrier from newer checkpoint was received.";
    case checkpoint_expired:
      return "Checkpoint expired before completing.";
    case checkpoint_subsumed:
      return "Checkpoint has been subsumed.";
    case finalize_checkpoint_failure:
      return "Failure to finalize checkpoint.";
    case task_failure:
      return "Task has failed.";
    case job_failover:
      return "The job is restarting (failover).";
    case checkpoint_coordinator_shutdown:
      return "CheckpointCoordinator shutdown.";
  }
  return "?";
}

bool counts_as_failure(checkpoint_failure_reason r) noexcept {
  using enum checkpoint_failure_reason;
  switch (r) {
    case io_exception:
    case checkpoint_declined:
    case checkpoint_async_exception:
    case checkpoint_expired:
    case finalize_checkpoint_failure:
      return true;
    case periodic_scheduler_shutdown:
    case too_many_concurrent_checkpoints:
    case minimum_time_between_checkpoints:
    case not_all_required_tasks_running:
    case checkpoint_declined_task_not_ready:
    case checkpoint_declined_task_closing:
    case checkpoint_declined_input_end_of_stream:
    case checkpoint_declined_subsumed:
    case checkpoint_subsumed:
    case task_failure:
    case job_failover:
    case checkpoint_coordinator_shutdown:
      return false;
  }
  return false;
}

} // namespace sluice
