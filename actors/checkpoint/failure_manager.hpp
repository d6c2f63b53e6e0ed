// Counts consecutive failed checkpoints and says when the job must fail
// (Flink's CheckpointFailureManager, `checkpointing.tolerable-failures`).
//
// One instance per job, kept across failovers like Flink's (it belongs to the
// CheckpointCoordinator, which outlives restarts): owned by the job master
// or by a coordinator that lives as long as the job. Called by the
// coordinator for every checkpoint that ends and every failed trigger.
//
// Semantics (Flink 1.19):
// - Only reasons with `counts_as_failure` count: storage errors, declines
//   from a failed snapshot (sync or async part), expiry, finalization
//   failures. Trigger declines while subtasks deploy, subsumption, closing
//   tasks, failover and shutdown do not.
// - Savepoints never count.
// - A failure of a checkpoint not newer than the last successful one does
//   not count; each checkpoint id counts at most once. Failures before a
//   checkpoint id exists (trigger failures) count each time.
// - A successful checkpoint newer than the last success resets the count.
// - The job fails when the count exceeds `tolerable_failures` (0: the first
//   counted failure); the count is then cleared.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "actors/checkpoint/failure_reason.hpp"

namespace sluice {

class checkpoint_failure_manager {
public:
  /// Flink's EXCEEDED_CHECKPOINT_TOLERABLE_FAILURE_MESSAGE.
  static constexpr const char* exceeded_message
    = "Exceeded checkpoint tolerable failure threshold.";

  /// `tolerable_failures` >= 0 (checkpoint_config::validate);
  /// checkpoint_config::unlimited_tolerable_failures never fails the job.
  explicit checkpoint_failure_manager(int32_t tolerable_failures);

  /// Checkpoint `checkpoint_id` (nullopt: a trigger attempt without id)
  /// failed with `reason`. Returns the message the job fails with when the
  /// threshold is now exceeded ("Exceeded checkpoint tolerable failure
  /// threshold. The latest checkpoint failed due to Checkpoint expired
  /// before completing. ..."), else nullopt.
  std::optional<std::string> on_failure(std::optional<uint64_t> checkpoint_id,
                                        checkpoint_failure_reason reason, bool savepoint = false);

  /// Checkpoint `checkpoint_id` completed: resets the count if it is newer
  /// than the last successful one.
  void on_success(uint64_t checkpoint_id);

  /// Consecutive counted failures since the last success (or threshold).
  int32_t continuous_failures() const noexcept {
    return continuous_failures_;
  }

  int32_t tolerable_failures() const noexcept {
    return tolerable_;
  }

  /// 0 before the first success.
  uint64_t last_succeeded_checkpoint() const noexcept {
    return last_succeeded_;
  }

private:
  void clear();

  int32_t tolerable_;
  int32_t continuous_failures_ = 0;
  uint64_t last_succeeded_ = 0;
  std::set<uint64_t> counted_;
};

} // namespace sluice
