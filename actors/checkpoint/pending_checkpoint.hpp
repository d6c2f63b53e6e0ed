// One checkpoint in progress (Flink's PendingCheckpoint): which subtasks
// still have to acknowledge, what they acknowledged with, and how it ended.
//
// Owned by the coordinator actor through `pending_checkpoints`
// (pending_checkpoints.hpp), which also handles acks for ids it no longer
// knows. Time is passed in; nothing here reads a clock.
//
// Life cycle: in progress -> fully acknowledged (every subtask acked or
// finished; the coordinator now writes `_metadata`) -> completed
// (`mark_completed`), or aborted at any point before completion (decline,
// expiry, subsumption, failover, shutdown, finalization failure). An
// aborted or completed checkpoint is disposed: it accepts nothing more.
//
// FLIP-147: subtasks that finished before the trigger are passed as
// `finished` and never waited for; a subtask that finishes while the
// checkpoint is pending (`subtask_finished`) is no longer waited for either.
// Both count as acknowledged in the statistics, with no state.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/checkpoint/checkpoint_types.hpp"
#include "actors/checkpoint/failure_reason.hpp"
#include "snapshot/error.hpp"

namespace sluice {

/// What became of one acknowledgement.
enum class ack_result : uint8_t {
  /// Recorded; other subtasks still have to ack.
  accepted,
  /// Recorded, and it was the last one: the checkpoint is fully
  /// acknowledged (the coordinator finalizes it now).
  fully_acknowledged,
  /// This subtask acked this checkpoint before: ignored.
  duplicate,
  /// The subtask is not part of this checkpoint (or finished before it
  /// acked): ignored.
  unknown_subtask,
  /// The checkpoint is disposed (aborted or completed): a late ack, ignored.
  late,
  /// The ack arrived at or after the deadline: not recorded, and the
  /// checkpoint is now expired (aborted with `checkpoint_expired`).
  expired,
  /// No checkpoint with this id is pending or was recently (only from
  /// `pending_checkpoints`).
  unknown_checkpoint,
};

const char* to_string(ack_result r) noexcept;

class pending_checkpoint {
public:
  /// Checkpoint `id`, triggered at `trigger_time`, expires at
  /// `trigger_time + timeout`. Waits for every subtask in `to_ack`;
  /// `finished` are subtasks that ended before the trigger (FLIP-147). A
  /// subtask in both counts as finished. `trigger_timestamp_ms`: the
  /// wall-clock trigger time (ms since the epoch) the barriers carry and
  /// the `_metadata` records. Throws `sluice::exception` when `to_ack` and
  /// `finished` are both empty (nothing to checkpoint).
  pending_checkpoint(uint64_t id, checkpoint_time trigger_time, checkpoint_duration timeout,
                     std::vector<subtask_id> to_ack, std::vector<subtask_id> finished = {},
                     bool savepoint = false, int64_t trigger_timestamp_ms = 0);

  uint64_t id() const noexcept {
    return id_;
  }

  checkpoint_time trigger_time() const noexcept {
    return trigger_time_;
  }

  /// Wall-clock trigger time, ms since the epoch.
  int64_t trigger_timestamp() const noexcept {
    return trigger_timestamp_;
  }

  /// The checkpoint expires at this time (inclusive).
  checkpoint_time deadline() const noexcept {
    return deadline_;
  }

  bool is_savepoint() const noexcept {
    return savepoint_;
  }

  /// in_progress (also while fully acknowledged), completed or failed.
  checkpoint_status status() const noexcept {
    return status_;
  }

  /// Completed or aborted: accepts nothing more.
  bool is_disposed() const noexcept {
    return status_ != checkpoint_status::in_progress;
  }

  /// In progress and no subtask left to wait for.
  bool is_fully_acknowledged() const noexcept {
    return status_ == checkpoint_status::in_progress && not_yet_acknowledged_.empty();
  }

  /// Whether the checkpoint is due to expire at `now`: in progress, not
  /// fully acknowledged, and `now >= deadline()`. A fully acknowledged
  /// checkpoint is being finalized and no longer expires (as in Flink,
  /// where completion runs under the coordinator's lock); the storage
  /// reports finalization problems with `abort(finalize_checkpoint_failure)`.
  bool is_due_to_expire(checkpoint_time now) const noexcept {
    return status_ == checkpoint_status::in_progress && !not_yet_acknowledged_.empty()
           && now >= deadline_;
  }

  /// Records `ack` of subtask `from` at `now`. Returns `accepted` or
  /// `fully_acknowledged` when recorded; otherwise the ack is ignored,
  /// counted (see `ignored_acks`), and `ack` is left untouched.
  /// `expired` (now >= deadline, not fully acknowledged) also aborts the
  /// checkpoint with `checkpoint_expired`.
  ack_result acknowledge(subtask_id from, subtask_ack& ack, checkpoint_time now);

  /// Subtask `s` finished (end of input) and will not ack: stop waiting for
  /// it. Returns true when this made the checkpoint fully acknowledged.
  /// A subtask that already acked keeps its ack; unknown subtasks and
  /// disposed checkpoints are ignored (false).
  bool subtask_finished(subtask_id s);

  /// Subtask `from` declined: aborts with `reason` (a decline reason) and
  /// `message` ("checkpoint 3 declined by vertex 1 subtask 0: <message>").
  /// False when already disposed (the decline is ignored and counted).
  bool decline(subtask_id from, checkpoint_failure_reason reason, const std::string& message,
               checkpoint_time now);

  /// Aborts with `checkpoint_expired` when `is_due_to_expire(now)`.
  bool expire_if_due(checkpoint_time now);

  /// Aborts an in-progress checkpoint (also a fully acknowledged one).
  /// False when already disposed.
  bool abort(checkpoint_failure_reason reason, const std::string& message, checkpoint_time now);

  /// The coordinator wrote `_metadata`: the checkpoint is complete.
  /// Precondition (programmer error, throws std::logic_error otherwise):
  /// fully acknowledged and not disposed.
  void mark_completed(checkpoint_time now);

  // --- results -----------------------------------------------------------

  /// Acks by subtask (ordered by vertex, subtask).
  const std::map<subtask_id, subtask_ack>& acks() const noexcept {
    return acks_;
  }

  /// Moves the acks out (after completion, e.g. into the `_metadata`
  /// writer); the statistics accessors below stay valid.
  std::map<subtask_id, subtask_ack> take_acks() noexcept;

  const std::set<subtask_id>& not_yet_acknowledged() const noexcept {
    return not_yet_acknowledged_;
  }

  /// Recorded acks of subtasks whose input had ended (subtask_ack::input_ended).
  size_t acks_after_input_end() const noexcept;

  /// Subtasks finished before the trigger or while pending, without ack.
  const std::set<subtask_id>& finished_subtasks() const noexcept {
    return finished_;
  }

  /// Every subtask of the checkpoint (acked, pending or finished).
  uint32_t num_subtasks() const noexcept {
    return num_subtasks_;
  }

  /// Acked plus finished (Flink counts finished tasks as acknowledged).
  uint32_t num_acknowledged_subtasks() const noexcept {
    return static_cast<uint32_t>(num_acked_ + finished_.size());
  }

  /// When subtask `s`'s ack was recorded (nullopt: not acked).
  std::optional<checkpoint_time> ack_time(subtask_id s) const noexcept {
    auto i = ack_times_.find(s);
    if (i == ack_times_.end())
      return std::nullopt;
    return i->second;
  }

  /// Latest recorded ack.
  std::optional<checkpoint_time> latest_ack_time() const noexcept {
    return latest_ack_;
  }

  /// When it completed or was aborted.
  std::optional<checkpoint_time> end_time() const noexcept {
    return end_;
  }

  /// Set once aborted.
  std::optional<checkpoint_failure_reason> failure_reason() const noexcept {
    return failure_reason_;
  }

  const std::string& failure_message() const noexcept {
    return failure_message_;
  }

  /// The subtask whose decline aborted it.
  std::optional<subtask_id> declined_by() const noexcept {
    return declined_by_;
  }

  /// Sums over the recorded acks.
  uint64_t state_size() const noexcept {
    return state_size_;
  }
  uint64_t checkpointed_size() const noexcept {
    return checkpointed_size_;
  }
  uint64_t persisted_data() const noexcept {
    return persisted_data_;
  }
  uint64_t processed_data() const noexcept {
    return processed_data_;
  }

  /// Some subtask took it unaligned.
  bool unaligned() const noexcept {
    return unaligned_;
  }

  /// Every file the recorded acks reference, sorted, without duplicates.
  std::vector<std::string> files() const;

  /// Acks ignored so far, by kind (duplicate, unknown_subtask, late,
  /// expired).
  uint64_t ignored_acks() const noexcept {
    return ignored_acks_;
  }

private:
  void dispose(checkpoint_status s, checkpoint_time now);

  uint64_t id_;
  checkpoint_time trigger_time_;
  int64_t trigger_timestamp_ = 0;
  checkpoint_time deadline_;
  bool savepoint_;
  checkpoint_status status_ = checkpoint_status::in_progress;
  std::set<subtask_id> not_yet_acknowledged_;
  std::set<subtask_id> finished_;
  std::map<subtask_id, subtask_ack> acks_;
  std::map<subtask_id, checkpoint_time> ack_times_;
  uint32_t num_subtasks_ = 0;
  size_t num_acked_ = 0;
  std::optional<checkpoint_time> latest_ack_;
  std::optional<checkpoint_time> end_;
  std::optional<checkpoint_failure_reason> failure_reason_;
  std::string failure_message_;
  std::optional<subtask_id> declined_by_;
  uint64_t state_size_ = 0;
  uint64_t checkpointed_size_ = 0;
  uint64_t persisted_data_ = 0;
  uint64_t processed_data_ = 0;
  bool unaligned_ = false;
  std::vector<std::string> files_;
  uint64_t ignored_acks_ = 0;
};

} // namespace sluice
