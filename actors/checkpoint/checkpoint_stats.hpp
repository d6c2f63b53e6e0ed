// Checkpoint monitoring (Flink's CheckpointStatsTracker and the structs
// behind its REST API `/jobs/:id/checkpoints`): counts, latest completed /
// failed / savepoint / restored, a bounded history, and a summary.
//
// Owned by the job master (counts survive failovers); the coordinator
// reports into it from its handlers, the job handle and the REST endpoint
// read copies (`snapshot()`). Field names follow Flink's REST API.
//
// Timestamps are steady-clock time points as passed in; the REST endpoint
// turns them into epoch milliseconds with `epoch_millis` and an offset
// taken once (system_clock::now() - steady_clock::now()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/checkpoint/checkpoint_types.hpp"
#include "actors/checkpoint/failure_reason.hpp"
#include "actors/checkpoint/pending_checkpoint.hpp"

namespace sluice {

/// One subtask's part of one checkpoint (Flink's SubtaskStateStats).
struct subtask_checkpoint_stats {
  subtask_id subtask;
  checkpoint_time ack_timestamp{};
  /// ack_timestamp - trigger_timestamp.
  checkpoint_duration end_to_end_duration{};
  uint64_t state_size = 0;
  uint64_t checkpointed_size = 0;
  uint64_t persisted_data = 0;
  uint64_t processed_data = 0;
  checkpoint_duration sync_duration{};
  checkpoint_duration async_duration{};
  checkpoint_duration alignment_duration{};
  checkpoint_duration start_delay{};
  bool unaligned_checkpoint = false;
};

/// One checkpoint in the history (Flink's AbstractCheckpointStats and
/// subclasses, flattened).
struct checkpoint_stats_entry {
  uint64_t checkpoint_id = 0;
  checkpoint_status status = checkpoint_status::in_progress;
  bool is_savepoint = false;
  /// Some subtask took it unaligned (Flink's checkpoint_type
  /// UNALIGNED_CHECKPOINT).
  bool unaligned = false;
  checkpoint_time trigger_timestamp{};
  std::optional<checkpoint_time> latest_ack_timestamp;
  /// Flink's definition: latest ack - trigger (in progress, completed);
  /// failure - trigger (failed).
  checkpoint_duration end_to_end_duration{};
  uint64_t state_size = 0;
  uint64_t checkpointed_size = 0;
  /// In-flight bytes persisted as channel state (unaligned).
  uint64_t persisted_data = 0;
  uint64_t processed_data = 0;
  uint32_t num_subtasks = 0;
  /// Acked plus finished (FLIP-147) subtasks.
  uint32_t num_acknowledged_subtasks = 0;
  /// Acked subtasks, ordered by (vertex, subtask).
  std::vector<subtask_checkpoint_stats> subtasks;
  /// Completed: where it lives: a checkpoint's `<dir>/<job>/chk-<n>/_metadata`
  /// (memory storage: `memory://<job>/chk-<n>`), a savepoint's directory.
  std::string external_path;
  /// Completed and since subsumed (deleted).
  bool discarded = false;
  std::optional<checkpoint_time> failure_timestamp;
  std::optional<checkpoint_failure_reason> failure_reason;
  std::string failure_message;
};

/// Flink's CheckpointStatsCounts (REST `counts`).
struct checkpoint_stats_counts {
  uint64_t restored = 0;
  /// Every triggered checkpoint (and failed trigger attempt).
  uint64_t total = 0;
  uint64_t in_progress = 0;
  uint64_t completed = 0;
  uint64_t failed = 0;
};

/// Flink's RestoredCheckpointStats (REST `latest.restored`).
struct restored_checkpoint_stats {
  uint64_t checkpoint_id = 0;
  checkpoint_time restore_timestamp{};
  bool is_savepoint = false;
  std::string external_path;
};

/// Min, max, average over completed checkpoints (REST `summary`).
struct min_max_avg {
  uint64_t count = 0;
  uint64_t min = 0;
  uint64_t max = 0;
  uint64_t sum = 0;

  void add(uint64_t x) noexcept;

  uint64_t avg() const noexcept {
    return count == 0 ? 0 : sum / count;
  }
};

struct checkpoint_stats_summary {
  min_max_avg state_size;
  min_max_avg checkpointed_size;
  /// Milliseconds.
  min_max_avg end_to_end_duration;
  min_max_avg persisted_data;
  min_max_avg processed_data;
};

/// A copy of everything, for the job handle and the REST endpoint.
struct checkpoint_stats_snapshot {
  checkpoint_stats_counts counts;
  checkpoint_stats_summary summary;
  std::optional<checkpoint_stats_entry> latest_completed;
  std::optional<checkpoint_stats_entry> latest_savepoint;
  std::optional<checkpoint_stats_entry> latest_failed;
  std::optional<restored_checkpoint_stats> latest_restored;
  /// Newest first.
  std::vector<checkpoint_stats_entry> history;
};

class checkpoint_stats {
public:
  /// Flink's web.checkpoints.history.
  static constexpr size_t default_history_size = 10;

  /// Keeps the newest `history_size` checkpoints in the history (0: none;
  /// counts and latest_* are kept regardless).
  explicit checkpoint_stats(size_t history_size = default_history_size);

  /// `p` was just triggered (after pending_checkpoints::add).
  void report_pending(const pending_checkpoint& p);

  /// `p` recorded the ack of `from` (ack_result accepted or
  /// fully_acknowledged), or `from` finished (FLIP-147).
  void report_ack(const pending_checkpoint& p, subtask_id from);

  /// `p` completed (status completed); `external_path` is its location.
  void report_completed(const pending_checkpoint& p, std::string external_path);

  /// `p` was aborted (status failed), whatever the reason.
  void report_failed(const pending_checkpoint& p);

  /// A trigger failed before a checkpoint existed (e.g. not all subtasks
  /// running): counts as failed and total, no history entry (Flink's
  /// reportFailedCheckpointsWithoutInProgress).
  void report_failed_without_in_progress() noexcept;

  /// The job (or a failover) restored checkpoint `id`.
  void report_restored(uint64_t id, checkpoint_time now, bool savepoint, std::string external_path);

  /// Completed checkpoint `id` was subsumed and deleted.
  void report_discarded(uint64_t id) noexcept;

  const checkpoint_stats_counts& counts() const noexcept {
    return counts_;
  }

  const checkpoint_stats_summary& summary() const noexcept {
    return summary_;
  }

  /// Latest completed checkpoint (not savepoint), savepoint, failure,
  /// restore.
  const std::optional<checkpoint_stats_entry>& latest_completed() const noexcept {
    return latest_completed_;
  }
  const std::optional<checkpoint_stats_entry>& latest_savepoint() const noexcept {
    return latest_savepoint_;
  }
  const std::optional<checkpoint_stats_entry>& latest_failed() const noexcept {
    return latest_failed_;
  }
  const std::optional<restored_checkpoint_stats>& latest_restored() const noexcept {
    return latest_restored_;
  }

  /// The newest `history_size` checkpoints, newest first (in-progress ones
  /// included).
  std::vector<checkpoint_stats_entry> history() const;

  /// A tracked checkpoint (in the history or in progress), or nullptr.
  const checkpoint_stats_entry* find(uint64_t id) const noexcept;

  checkpoint_stats_snapshot snapshot() const;

  size_t history_size() const noexcept {
    return history_size_;
  }

private:
  checkpoint_stats_entry* entry(uint64_t id) noexcept;
  void fill(checkpoint_stats_entry& e, const pending_checkpoint& p) const;
  void trim();

  size_t history_size_;
  checkpoint_stats_counts counts_;
  checkpoint_stats_summary summary_;
  std::optional<checkpoint_stats_entry> latest_completed_;
  std::optional<checkpoint_stats_entry> latest_savepoint_;
  std::optional<checkpoint_stats_entry> latest_failed_;
  std::optional<restored_checkpoint_stats> latest_restored_;
  /// History window plus every checkpoint in progress, by id.
  std::map<uint64_t, checkpoint_stats_entry> entries_;
};

/// Milliseconds since the epoch of steady time point `t`, given
/// `offset = system_clock::now() - steady_clock::now()` taken once.
inline int64_t epoch_millis(checkpoint_time t, std::chrono::nanoseconds offset) noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch() + offset)
    .count();
}

/// Milliseconds of a duration (REST fields are milliseconds).
inline int64_t millis(checkpoint_duration d) noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

} // namespace sluice
