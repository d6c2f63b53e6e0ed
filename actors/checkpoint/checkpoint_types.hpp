// Vocabulary shared by the checkpoint coordinator's bookkeeping classes
// (actors/checkpoint/*): time, subtask identity, what a subtask reports with
// its acknowledgement, and a checkpoint's status. Plain C++, no CAF: the
// coordinator actor converts its messages into these types.
//
// Time is always passed in by the caller (steady clock); no class under
// actors/checkpoint/ reads a clock, so every decision is reproducible in a
// unit test.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/checkpoint/operator_state_ref.hpp"

namespace sluice {

using checkpoint_clock = std::chrono::steady_clock;
using checkpoint_time = checkpoint_clock::time_point;
using checkpoint_duration = checkpoint_clock::duration;

/// One parallel instance of an execution-plan vertex (`plan_vertex::id`,
/// subtask index), like Flink's ExecutionVertex.
struct subtask_id {
  uint32_t vertex = 0;
  uint32_t subtask = 0;

  friend auto operator<=>(const subtask_id&, const subtask_id&) = default;
};

/// "vertex 2 subtask 1" (for log lines and failure messages).
std::string to_string(const subtask_id& x);

/// What one subtask reports when it acknowledges checkpoint n (Flink's
/// AcknowledgeCheckpoint + CheckpointMetrics + TaskStateSnapshot). Plain
/// data; the subtask actor fills it after the asynchronous part.
struct subtask_ack {
  /// Full size of the subtask's state in this checkpoint (bytes).
  uint64_t state_size = 0;
  /// Bytes written for this checkpoint (equals `state_size` unless the
  /// backend is incremental).
  uint64_t checkpointed_size = 0;
  /// In-flight bytes persisted as channel state (unaligned checkpoints).
  uint64_t persisted_data = 0;
  /// Bytes processed between the first barrier and the snapshot (alignment).
  uint64_t processed_data = 0;
  /// Synchronous part on the actor, asynchronous part off it.
  checkpoint_duration sync_duration{};
  checkpoint_duration async_duration{};
  /// From the first to the last barrier n on the subtask's inputs.
  checkpoint_duration alignment_duration{};
  /// From the trigger to the first barrier n reaching the subtask.
  checkpoint_duration start_delay{};
  /// The subtask took the checkpoint unaligned (also after aligned-timeout).
  bool unaligned = false;
  /// The subtask's input had ended when it took the snapshot (FLIP-147): a
  /// checkpoint every subtask acknowledged so is the job's final one.
  bool input_ended = false;
  /// Every file the subtask's state references in this checkpoint (own and
  /// shared), as the storage names them; the completed store counts
  /// references to them. Empty for memory storage.
  std::vector<std::string> files;
  /// Where each operator's state of this subtask lives: what the
  /// `_metadata` of the checkpoint lists. Never inspected by the
  /// bookkeeping classes; the coordinator writes it out.
  std::vector<operator_state_ref> states;
};

/// Flink's CheckpointStatsStatus.
enum class checkpoint_status : uint8_t {
  in_progress,
  completed,
  failed,
};

/// "in_progress", "completed", "failed".
const char* to_string(checkpoint_status s) noexcept;

} // namespace sluice
