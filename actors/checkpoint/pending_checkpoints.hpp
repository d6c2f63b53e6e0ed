// The checkpoints in progress of one job attempt, by id (the bookkeeping
// part of Flink's CheckpointCoordinator: pendingCheckpoints plus
// recentPendingCheckpoints for late messages).
//
// Owned by the coordinator actor; every method is called from one of its
// message handlers (see docs/architecture.md, "Checkpoint coordinator"). A checkpoint that
// ends (aborted or completed) is removed and handed back to the caller by
// value, so the caller reports it (statistics, failure manager, aborted(n)
// to the subtasks, files to discard) exactly once. The ids of the last
// `remembered` ended checkpoints are kept to tell late acks from unknown ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "actors/checkpoint/pending_checkpoint.hpp"

namespace sluice {

class pending_checkpoints {
public:
  /// Flink's NUM_GHOST_CHECKPOINT_IDS.
  static constexpr size_t default_remembered = 16;

  explicit pending_checkpoints(size_t remembered = default_remembered);

  /// Adds a just-triggered checkpoint. Precondition (throws
  /// std::logic_error): its id is new and it is in progress.
  pending_checkpoint& add(pending_checkpoint p);

  /// Checkpoints in progress (including savepoints and fully acknowledged
  /// ones being finalized): the `pending` of trigger_policy::decide.
  size_t size() const noexcept {
    return pending_.size();
  }

  bool empty() const noexcept {
    return pending_.empty();
  }

  pending_checkpoint* find(uint64_t id) noexcept;
  const pending_checkpoint* find(uint64_t id) const noexcept;

  /// In-progress checkpoints by id.
  const std::map<uint64_t, pending_checkpoint>& all() const noexcept {
    return pending_;
  }

  /// What `acknowledge` did.
  struct ack_outcome {
    ack_result result = ack_result::unknown_checkpoint;
    /// `expired`: the checkpoint, aborted and removed.
    std::optional<pending_checkpoint> expired;
    /// `late`, `unknown_checkpoint`: the refused ack, whose files the caller
    /// discards unless a retained checkpoint references them
    /// (completed_store::unreferenced). Duplicates are not handed back: they
    /// may name the same files as the recorded ack.
    std::optional<subtask_ack> refused;
  };

  /// An ack of subtask `from` for checkpoint `id` arrived at `now`.
  /// `fully_acknowledged`: finalize it (write `_metadata`), then call
  /// `complete` or `abort(id, finalize_checkpoint_failure)`.
  ack_outcome acknowledge(uint64_t id, subtask_id from, subtask_ack ack, checkpoint_time now);

  /// A decline of checkpoint `id`: the aborted checkpoint (removed), or
  /// nullopt when `id` is not in progress (ignored and counted).
  std::optional<pending_checkpoint> decline(uint64_t id, subtask_id from,
                                            checkpoint_failure_reason reason,
                                            const std::string& message, checkpoint_time now);

  /// Subtask `s` finished (FLIP-147): no pending checkpoint waits for it any
  /// more. Returns the ids that became fully acknowledged (finalize them).
  std::vector<uint64_t> subtask_finished(subtask_id s);

  /// Aborts and removes every checkpoint due to expire at `now` (ascending
  /// ids). Call it from the timeout timer message.
  std::vector<pending_checkpoint> expire_due(checkpoint_time now);

  /// The earliest deadline of a checkpoint that can still expire: when to
  /// schedule the next timeout timer. Nullopt when none.
  std::optional<checkpoint_time> next_deadline() const noexcept;

  /// `_metadata` of fully acknowledged checkpoint `id` is written: marks it
  /// completed and removes it. Precondition (throws std::logic_error): `id`
  /// is in progress and fully acknowledged.
  pending_checkpoint complete(uint64_t id, checkpoint_time now);

  /// Aborts and removes checkpoints (not savepoints) older than `completed_id`,
  /// with `checkpoint_subsumed` (Flink's dropSubsumedCheckpoints). Call after
  /// `complete`.
  std::vector<pending_checkpoint> abort_subsumed(uint64_t completed_id, checkpoint_time now);

  /// Aborts and removes checkpoint `id` (e.g. `finalize_checkpoint_failure`,
  /// `io_exception`); nullopt when not in progress.
  std::optional<pending_checkpoint> abort(uint64_t id, checkpoint_failure_reason reason,
                                          const std::string& message, checkpoint_time now);

  /// Aborts and removes every checkpoint in progress (failover, shutdown,
  /// `task_failure`), ascending ids.
  std::vector<pending_checkpoint> abort_all(checkpoint_failure_reason reason,
                                            const std::string& message, checkpoint_time now);

  /// Whether `id` ended recently (among the last `remembered`).
  bool recently_ended(uint64_t id) const noexcept;

  // --- ignored messages, for logs and tests ----------------------------
  /// Acks for ended checkpoints still remembered, or refused as late by one.
  uint64_t late_acks() const noexcept {
    return late_acks_;
  }
  /// Acks for ids never seen or long forgotten.
  uint64_t unknown_acks() const noexcept {
    return unknown_acks_;
  }
  uint64_t duplicate_acks() const noexcept {
    return duplicate_acks_;
  }
  /// Acks from subtasks not part of the checkpoint.
  uint64_t unknown_subtask_acks() const noexcept {
    return unknown_subtask_acks_;
  }
  /// Declines for checkpoints not in progress.
  uint64_t ignored_declines() const noexcept {
    return ignored_declines_;
  }

private:
  pending_checkpoint take(std::map<uint64_t, pending_checkpoint>::iterator i);

  size_t remembered_;
  std::map<uint64_t, pending_checkpoint> pending_;
  std::deque<uint64_t> recent_;
  uint64_t late_acks_ = 0;
  uint64_t unknown_acks_ = 0;
  uint64_t duplicate_acks_ = 0;
  uint64_t unknown_subtask_acks_ = 0;
  uint64_t ignored_declines_ = 0;
};

} // namespace sluice
