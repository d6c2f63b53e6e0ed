// The subtask actor: one parallel instance of a vertex (Flink's StreamTask).
//
// Spawned by the job master, idle until `deploy`. It then builds its
// operator chain from the plan, opens it, and either runs its head source
// (one batch per `run` message, so cancel and kill land between steps) or
// processes what arrives on its input channels.
//
// Flow control (DESIGN.md "Messages between actors"): every arriving
// message is checked (attempt, channel, sequence number) and moved into the
// per-channel input queues at once; a `pump` message then handles queued
// items while no output gate is blocked for lack of credit. After handling
// a data batch the subtask grants one credit back to its sender. A blocked
// subtask reads no input and its source produces nothing until credits
// arrive, so memory stays bounded by the credit windows.
//
// End-of-stream is handled fully: when every input finished (or the source
// is exhausted) it emits the final watermark, closes the chain, flushes,
// puts end-of-stream on every output channel, waits until its output queues
// drained, reports its metrics to the job master and quits normally. Any
// exception of an operator makes it quit with a `sluice` error naming the
// operator and subtask. Messages of another attempt are dropped; a gap in a
// channel's sequence numbers is an error (`ec::subtask_failed`), never
// silent loss.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "actors/contract/actors.hpp"
#include "actors/subtask/barrier_aligner.hpp"
#include "actors/contract/batch_codec.hpp"
#include "actors/subtask/input_queues.hpp"
#include "actors/subtask/operator_chain.hpp"
#include "actors/subtask/watermark_tracker.hpp"

namespace sluice {

class output_gate;
class unaligned_recorder;
struct snapshot_task;

struct subtask_state {
  static inline const char* name = "sluice.subtask";

  subtask_state();
  ~subtask_state();

  deployment_ptr dep;
  std::vector<std::unique_ptr<output_gate>> outputs;
  std::unique_ptr<operator_chain> chain;
  std::unique_ptr<input_queues> inputs;
  /// Next expected sequence number per input channel.
  std::vector<uint64_t> next_seq;
  /// Channels whose end-of-stream arrived (checked on arrival).
  std::vector<bool> closed_inputs;
  /// Channels whose end-of-stream was handled.
  size_t num_finished = 0;
  std::unique_ptr<watermark_tracker> watermarks;
  /// Barrier alignment of the inputs (actors/subtask/barrier_aligner.hpp).
  std::unique_ptr<barrier_aligner> aligner;
  /// The checkpoint being aligned: its timestamp and when alignment began.
  timestamp aligning_timestamp = 0;
  /// The checkpoint being aligned is a savepoint (never turns unaligned).
  bool aligning_savepoint = false;
  /// A stop-with-savepoint: the head source produces nothing after this
  /// savepoint's barrier, unless the savepoint fails.
  std::optional<uint64_t> stopped_for;
  std::chrono::steady_clock::time_point alignment_start;
  /// Duration of the last completed alignment (first to last barrier).
  std::chrono::nanoseconds last_alignment{0};
  /// Trigger to first barrier of the checkpoint being aligned.
  std::chrono::nanoseconds start_delay{0};
  /// Checkpoints whose snapshot this subtask took (diagnostics, tests).
  uint64_t snapshots_taken = 0;
  /// Newest checkpoint this subtask snapshotted (duplicate triggers and
  /// late barriers of it are ignored).
  uint64_t last_snapshot_id = 0;
  /// Input ended and outputs drained; with a coordinator the subtask waits
  /// for the job's final checkpoint before it ends (FLIP-147).
  bool awaiting_final = false;
  /// The unaligned checkpoint whose input channel state is still being
  /// recorded (actors/subtask/unaligned_recorder.hpp).
  std::unique_ptr<unaligned_recorder> recorder;
  bool flush_scheduled = false;
  /// Processing time (ms) of the earliest timer_atom scheduled; max when none.
  int64_t timer_at = INT64_MAX;
  bool pump_scheduled = false;
  /// The head source stopped for lack of credit.
  bool source_paused = false;
  /// End-of-stream is on the outputs; quit once they drained.
  bool finishing = false;
  /// Messages of other attempts dropped (diagnostics).
  uint64_t dropped = 0;
  uint64_t batches_in = 0;
  uint64_t records_in = 0;
  uint64_t backpressured = 0;
  uint64_t blocked_channels = 0;
};

subtask_actor::behavior_type
subtask(subtask_actor::stateful_pointer<subtask_state> self);

} // namespace sluice
