// The asynchronous part of a subtask snapshot (Flink's
// AsyncCheckpointRunnable).
//
// The subtask actor takes the synchronous part on its own thread (operator
// list state, a copy of keyed state, references to in-flight batches of an
// unaligned checkpoint), fills a `snapshot_task` and hands it to
// `spawn_async_snapshot`, then goes on processing. A detached CAF actor
// writes the state files of every operator with state (channel state in
// the head operator's file for inputs, the tail operator's for outputs;
// incremental keyed state in `shared/`), then sends the ack with handles,
// sizes and the asynchronous duration to the coordinator, or a decline
// naming the error when a write failed.
//
// The task owns everything it reads: the copies are immutable and batches
// are immutable shared records, so nothing is shared with the running
// subtask. `storage->begin_writer()` is called before the actor starts and
// `end_writer()` when it ends, so the coordinator can wait for stragglers
// before it removes files at shutdown.
#pragma once

#include "snapshot/file_names.hpp"

#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/contract/batch_codec.hpp"
#include "actors/contract/messages.hpp"
#include "actors/subtask/operator_chain.hpp"
#include "snapshot/checkpoint_storage.hpp"
#include "snapshot/state_file.hpp"

namespace sluice {

/// One in-flight batch of an unaligned checkpoint.
struct in_flight_batch {
  channel_direction direction = channel_direction::input;
  /// Input channel index, or (outputs) gate * 65536 + channel.
  uint32_t channel = 0;
  uint64_t seq = 0;
  batch_ptr records;
  batch_codec codec;
};

struct snapshot_task {
  checkpoint_storage_ptr storage;
  caf::actor coordinator;
  /// Prefilled: ids, sync/alignment/start-delay durations, flags.
  ack_msg ack;
  uint32_t subtask_index = 0;
  std::vector<operator_chain::operator_state_copy> operators;
  std::vector<in_flight_batch> channel_state;
};

// state_file_name, shared_state_file_name: snapshot/file_names.hpp.

/// Runs `task` on a detached actor of `sys`. Precondition: task->storage
/// and task->coordinator are set.
void spawn_async_snapshot(caf::actor_system& sys, std::shared_ptr<snapshot_task> task);

/// Writes the task's files and fills the ack (handles, sizes). Per operator:
/// one file in the checkpoint directory with its list state, channel state
/// and (without incremental snapshots) keyed state; with incremental
/// keyed state (`chain` set) the snapshot goes to `shared/` and the
/// operator's handles are followed by the chain of checkpoint n (recorded
/// in `chain`). `state_size` counts every referenced file, `checkpointed_size`
/// only those written now. Exposed for tests; spawn_async_snapshot calls it.
/// Throws what the storage throws, after removing the shared files it wrote.
void write_snapshot(snapshot_task& task);

} // namespace sluice
