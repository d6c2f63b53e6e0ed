// The asynchronous part of a subtask snapshot (Flink's
// AsyncCheckpointRunnable).
//
// The subtask actor takes the synchronous part on its own thread (operator
// list state, a copy of keyed state, references to in-flight batches of an
// unaligned checkpoint), fills a `snapshot_task` and hands it to
// `run_async_snapshot`, then goes on processing. One of the job's snapshot
// writers — a bounded pool of detached CAF actors, each one OS thread, that
// the job master spawns when the job checkpoints and ends with the job
// (`spawn_snapshot_writers`) — writes the state files of every operator
// with state (channel state in
// the head operator's file for inputs, the tail operator's for outputs;
// incremental keyed state in `shared/`), then sends the ack with handles,
// sizes and the asynchronous duration to the coordinator, or a decline
// naming the error when a write failed.
//
// The task owns everything it reads: the copies are immutable and batches
// are immutable shared records, so nothing is shared with the running
// subtask. `storage->begin_writer()` is called when the task is handed over
// and `end_writer()` once it is done with (written, failed, or dropped by a
// writer that was ended), so the coordinator can wait for stragglers before
// it removes files at shutdown. A writer runs its tasks one after another,
// in the order they arrive (round-robin over the pool): the number of
// threads writing snapshots is bounded by the pool, not by the number of
// subtasks times the checkpoints in flight.
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

/// Writer threads per job: I/O-bound work, so a few more than a small
/// machine's cores, and a bound however many subtasks the job has.
inline constexpr size_t snapshot_writer_threads = 4;

/// Spawns a pool of `n` (>= 1) snapshot writers in `sys`: an actor_pool of
/// detached workers, round-robin. The owner ends it with
/// `caf::anon_send_exit(pool, caf::exit_reason::user_shutdown)`; the
/// workers then quit, and tasks still queued are dropped (each ends its
/// writer registration). Workers ignore exits with reason `normal`.
caf::actor spawn_snapshot_writers(caf::actor_system& sys, size_t n);

/// Runs `task` on `writers` (a pool of spawn_snapshot_writers), or, when
/// `writers` is null (subtasks deployed by hand in tests), on a new
/// detached actor of `sys`. Precondition: task->storage and
/// task->coordinator are set.
void run_async_snapshot(caf::actor_system& sys, const caf::actor& writers,
                        std::shared_ptr<snapshot_task> task);

/// Writes the task's files and fills the ack (handles, sizes). Per operator:
/// one file in the checkpoint directory with its list state, channel state
/// and (without incremental snapshots) keyed state; with incremental
/// keyed state (`chain` set) the snapshot goes to `shared/` and the
/// operator's handles are followed by the chain of checkpoint n (recorded
/// in `chain`). `state_size` counts every referenced file, `checkpointed_size`
/// only those written now. Exposed for tests; the writers call it.
/// Throws what the storage throws, after removing the shared files it wrote.
void write_snapshot(snapshot_task& task);

} // namespace sluice
