// The wire contract between subtask actors (DESIGN.md "Messages between
// actors"). Records travel type-erased in `data_msg`; barriers, watermarks
// and end-of-stream are in-band control messages on the same channel, so
// CAF's per-sender FIFO order keeps them in place relative to the data.
//
// Every message carries the job's attempt id (messages of older attempts are
// dropped by the receiver), the receiver-side input channel index, and a
// per-channel sequence number: a data message carries its own index on the
// channel (0, 1, ...); a control message carries the number of data messages
// sent on the channel before it, so a receiver can check that it saw exactly
// the data in front of a barrier or end-of-stream.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "actors/contract/batch.hpp"
#include "actors/checkpoint/failure_reason.hpp"
#include "actors/checkpoint/operator_state_ref.hpp"
#include "actors/contract/error.hpp"
#include "actors/contract/job_status.hpp"
#include "actors/contract/operator.hpp"
#include "snapshot/checkpoint_metadata.hpp"

namespace sluice {

/// Immutable records. Local messaging only for now: serializing a batch
/// needs record codecs, which come with remote deployment (README: missing).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, batch_ptr& x) {
  if constexpr (std::is_same_v<typename Inspector::result_type, void>) {
    std::string desc = x ? std::to_string(x->size()) + " records" : "null";
    return f(caf::meta::type_name("batch"), desc);
  } else {
    return make_error(ec::not_serializable,
                      "record batches cannot leave the process yet");
  }
}

struct data_msg {
  uint64_t attempt = 0;
  uint32_t channel = 0;
  uint64_t seq = 0;
  batch_ptr records;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, data_msg& x) {
  return f(caf::meta::type_name("data_msg"), x.attempt, x.channel, x.seq,
           x.records);
}

/// Checkpoint barrier n (Flink's CheckpointBarrier).
struct barrier_msg {
  uint64_t attempt = 0;
  uint32_t channel = 0;
  uint64_t seq = 0;
  uint64_t checkpoint_id = 0;
  timestamp checkpoint_timestamp = 0;
  /// A savepoint's barrier: aligned everywhere.
  bool savepoint = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, barrier_msg& x) {
  return f(caf::meta::type_name("barrier_msg"), x.attempt, x.channel, x.seq,
           x.checkpoint_id, x.checkpoint_timestamp, x.savepoint);
}

struct watermark_msg {
  uint64_t attempt = 0;
  uint32_t channel = 0;
  uint64_t seq = 0;
  timestamp watermark = 0;
  /// A watermark (0), or the sender's stream went idle (1) or active
  /// again (2) (Flink's WatermarkStatus; `watermark` unused then).
  uint8_t status = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, watermark_msg& x) {
  return f(caf::meta::type_name("watermark_msg"), x.attempt, x.channel, x.seq,
           x.watermark, x.status);
}

/// The sender will send nothing more on this channel.
struct eos_msg {
  uint64_t attempt = 0;
  uint32_t channel = 0;
  uint64_t seq = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, eos_msg& x) {
  return f(caf::meta::type_name("eos_msg"), x.attempt, x.channel, x.seq);
}

/// Receiver -> sender: `credits` more data batches may be sent on channel
/// `channel` of the sender's output gate `gate` (credit-based flow control;
/// needs no credit itself).
struct credit_msg {
  uint64_t attempt = 0;
  uint32_t gate = 0;
  uint32_t channel = 0;
  uint32_t credits = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, credit_msg& x) {
  return f(caf::meta::type_name("credit_msg"), x.attempt, x.gate, x.channel, x.credits);
}

/// Coordinator -> source subtasks: take checkpoint n now (snapshot the
/// source's position, put barrier n on every output at once).
/// What a trigger asks a source for (Flink's SnapshotType and
/// SavepointType): a checkpoint; a savepoint (aligned); a savepoint after
/// which the job stops (`stop`), with event time first advanced to the end
/// (`stop --drain`: the maximum watermark goes out before the barrier).
enum class snapshot_kind : uint8_t { checkpoint, savepoint, stop, stop_drain };

/// "checkpoint", "savepoint", "stop", "stop_drain" (also how CAF prints
/// a message holding one).
inline const char* to_string(snapshot_kind k) noexcept {
  switch (k) {
    case snapshot_kind::checkpoint:
      return "checkpoint";
    case snapshot_kind::savepoint:
      return "savepoint";
    case snapshot_kind::stop:
      return "stop";
    case snapshot_kind::stop_drain:
      return "stop_drain";
  }
  return "unknown";
}

inline bool is_savepoint(snapshot_kind k) noexcept {
  return k != snapshot_kind::checkpoint;
}

inline bool stops_job(snapshot_kind k) noexcept {
  return k == snapshot_kind::stop || k == snapshot_kind::stop_drain;
}

struct trigger_msg {
  uint64_t attempt = 0;
  uint64_t checkpoint_id = 0;
  /// Wall-clock trigger time (ms since the epoch), travels with the barrier.
  timestamp checkpoint_timestamp = 0;
  snapshot_kind kind = snapshot_kind::checkpoint;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, trigger_msg& x) {
  return f(caf::meta::type_name("trigger_msg"), x.attempt, x.checkpoint_id,
           x.checkpoint_timestamp, x.kind);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, key_group_range& x) {
  return f(caf::meta::type_name("key_group_range"), x.first, x.last);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, state_handle& x) {
  return f(caf::meta::type_name("state_handle"), x.relative_path, x.inline_bytes, x.size,
           x.key_groups);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, operator_state_ref& x) {
  return f(caf::meta::type_name("operator_state_ref"), x.uid, x.parallelism,
           x.max_parallelism, x.handle);
}

/// Subtask -> coordinator: its part of checkpoint n is done (Flink's
/// AcknowledgeCheckpoint with CheckpointMetrics). Durations in nanoseconds.
struct ack_msg {
  uint64_t attempt = 0;
  uint64_t checkpoint_id = 0;
  uint32_t vertex = 0;
  uint32_t subtask_index = 0;
  /// Synchronous part on the actor, asynchronous part off it.
  int64_t sync_ns = 0;
  int64_t async_ns = 0;
  /// First to last barrier n on the inputs (0 for sources).
  int64_t alignment_ns = 0;
  /// Trigger to the first barrier n at this subtask.
  int64_t start_delay_ns = 0;
  /// Bytes of every state file the snapshot references (its full size),
  /// of those written for this checkpoint (less with incremental keyed
  /// state, whose older files are shared), and of persisted in-flight data.
  uint64_t state_size = 0;
  uint64_t checkpointed_size = 0;
  uint64_t persisted_in_flight = 0;
  /// The snapshot was taken after the subtask's input ended (FLIP-147): it
  /// is the subtask's final state.
  bool finished = false;
  /// Taken unaligned (channel state included).
  bool unaligned = false;
  /// One per operator of the chain that has state.
  std::vector<operator_state_ref> states;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ack_msg& x) {
  return f(caf::meta::type_name("ack_msg"), x.attempt, x.checkpoint_id, x.vertex,
           x.subtask_index, x.sync_ns, x.async_ns, x.alignment_ns, x.start_delay_ns,
           x.state_size, x.checkpointed_size, x.persisted_in_flight, x.finished, x.unaligned, x.states);
}

/// Subtask -> coordinator: it cannot take checkpoint n (Flink's
/// DeclineCheckpoint), e.g. its alignment was abandoned or a snapshot failed.
struct decline_msg {
  uint64_t attempt = 0;
  uint64_t checkpoint_id = 0;
  uint32_t vertex = 0;
  uint32_t subtask_index = 0;
  /// Why, for the coordinator's statistics and failure manager:
  /// checkpoint_declined (alignment abandoned, the synchronous part failed)
  /// or checkpoint_async_exception (writing the snapshot failed).
  checkpoint_failure_reason cause = checkpoint_failure_reason::checkpoint_declined;
  /// What happened, for people.
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, decline_msg& x) {
  return f(caf::meta::type_name("decline_msg"), x.attempt, x.checkpoint_id, x.vertex,
           x.subtask_index, x.cause, x.reason);
}

/// Coordinator -> every subtask: checkpoint n completed (`completed`) or was
/// aborted; operators get notify_checkpoint_complete / _aborted.
struct checkpoint_done_msg {
  uint64_t attempt = 0;
  uint64_t checkpoint_id = 0;
  bool completed = false;
  /// The job's final checkpoint (FLIP-147): every subtask had finished its
  /// input; after the notification the subtasks end.
  bool final = false;
  /// A stop-with-savepoint completed: after committing, the subtasks end
  /// (sources produce nothing after the savepoint's barrier). Aborted:
  /// the sources that stopped for it produce again.
  bool stop = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, checkpoint_done_msg& x) {
  return f(caf::meta::type_name("checkpoint_done_msg"), x.attempt, x.checkpoint_id,
           x.completed, x.final, x.stop);
}

/// Subtask -> coordinator: deployed and open (`finished == false`), or its
/// input ended and it waits for the final checkpoint (`finished == true`).
struct subtask_state_msg {
  uint64_t attempt = 0;
  uint32_t vertex = 0;
  uint32_t subtask_index = 0;
  bool finished = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, subtask_state_msg& x) {
  return f(caf::meta::type_name("subtask_state_msg"), x.attempt, x.vertex, x.subtask_index,
           x.finished);
}

/// Subtask -> job master, when it finished normally: its counters.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, subtask_metrics& x) {
  return f(caf::meta::type_name("subtask_metrics"), x.task, x.vertex, x.subtask_index, x.batches_in,
           x.records_in, x.records_out, x.peak_input_queue, x.peak_output_queue,
           x.backpressured, x.blocked_channels, x.snapshots);
}

} // namespace sluice
