// Every typed actor interface of sluice, one comment per handler.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/contract/atoms.hpp"
#include "actors/subtask/barrier_aligner.hpp"
#include "actors/contract/job_status.hpp"
#include "actors/contract/messages.hpp"

namespace sluice {

class checkpoint_storage;
class fault_points;
struct restore_point;
struct deployment;
using deployment_ptr = std::shared_ptr<const deployment>;

/// One parallel instance of a vertex, hosting its operator chain.
using subtask_actor = caf::typed_actor<
  /// From the job master: build the chain, wire the outputs, start
  /// (a source subtask starts emitting). Sent exactly once.
  caf::reacts_to<deploy_atom, deployment_ptr>,
  /// From an upstream subtask: a batch of records on an input channel.
  caf::reacts_to<data_msg>,
  /// From an upstream subtask: checkpoint barrier (forwarded for now).
  caf::reacts_to<barrier_msg>,
  /// From an upstream subtask: event time advanced on a channel.
  caf::reacts_to<watermark_msg>,
  /// From an upstream subtask: the channel is finished.
  caf::reacts_to<eos_msg>,
  /// From itself: emit the next batch of the head source.
  caf::reacts_to<run_atom>,
  /// From itself: the buffer timeout expired; send partial batches.
  caf::reacts_to<flush_atom>,
  caf::reacts_to<timer_atom>,
  /// From a downstream subtask: more credit on one output channel.
  caf::reacts_to<credit_msg>,
  /// From itself: handle items waiting in the input queues.
  caf::reacts_to<pump_atom>,
  /// From the checkpoint coordinator (sources only): take checkpoint n.
  caf::reacts_to<trigger_msg>,
  /// From the checkpoint coordinator: checkpoint n completed or aborted.
  caf::reacts_to<checkpoint_done_msg>,
  /// From itself: the aligned-timeout of checkpoint n expired.
  caf::reacts_to<align_timeout_atom, uint64_t>,
  /// From the job master: a sign of life (records taken in so far).
  caf::replies_to<heartbeat_atom>::with<uint64_t>>;

/// Where the records of one output of a subtask go: the receiver and its
/// input channel index for every channel of the router.
struct output_gate_spec {
  std::vector<subtask_actor> receivers;
  std::vector<uint32_t> channels;
};

/// Where input channel c of a subtask comes from: the sender and the
/// sender's output gate and channel (credits go back there).
struct input_channel_spec {
  subtask_actor sender;
  uint32_t gate = 0;
  uint32_t channel = 0;
};

struct execution_plan;

/// Everything a subtask needs to run. Immutable, shared by reference.
struct deployment {
  uint64_t attempt = 1;
  /// The job master; the subtask monitors it and quits when it goes away
  /// (null in tests that deploy subtasks by hand).
  caf::actor_addr master;
  uint32_t vertex = 0;
  uint32_t subtask_index = 0;
  std::shared_ptr<const execution_plan> plan;
  uint32_t num_inputs = 0;
  /// One per input channel (empty in tests that deploy subtasks by hand:
  /// then no credit is granted upstream).
  std::vector<input_channel_spec> inputs;
  /// Aligned barriers (exactly-once) or at-least-once.
  barrier_handling barriers = barrier_handling::aligned;
  /// Where acks and declines go (null: no checkpointing, nothing is sent).
  caf::actor_addr coordinator;
  /// Where the asynchronous part of a snapshot writes state files (null:
  /// acks carry no state, as in protocol tests with a fake coordinator).
  std::shared_ptr<checkpoint_storage> storage;
  /// The job's snapshot writers, a bounded pool the asynchronous part of
  /// every snapshot runs on (actors/subtask/async_snapshot.hpp); null in
  /// tests that deploy subtasks by hand (a thread per snapshot then).
  caf::actor snapshot_writers;
  /// Unaligned checkpoints (exactly-once only): barriers overtake in-flight
  /// data, which is persisted as channel state. With `aligned_timeout` > 0
  /// an alignment switches to unaligned after that long.
  bool unaligned = false;
  std::chrono::milliseconds aligned_timeout{0};
  /// One per outgoing edge of the vertex, in `plan->outgoing(vertex)` order.
  std::vector<output_gate_spec> outputs;
  /// A restarted attempt: the completed checkpoint its operators restore
  /// from (actors/subtask/subtask_restore.hpp); null for a fresh start.
  std::shared_ptr<const restore_point> restore;
  /// Aimed faults of the job (actors/fault/fault_points.hpp); null: none.
  std::shared_ptr<fault_points> faults;
};

/// Runs one job: deploys the plan, monitors every subtask, owns the status.
using job_master_actor = caf::typed_actor<
  /// From a client: the job's current status.
  caf::replies_to<status_atom>::with<job_status>,
  /// From a client or fault injector: every subtask actor, vertex by vertex
  /// (vertex order of the execution plan, subtask index order within).
  caf::replies_to<subtasks_atom>::with<std::vector<subtask_actor>>,
  /// From a client: cancel the job (subtasks are stopped, status cancelled).
  caf::reacts_to<cancel_atom>,
  /// From a client: take a savepoint into the directory (empty:
  /// checkpointing.savepoint-dir) of the snapshot_kind (savepoint, stop,
  /// stop_drain); answered with the savepoint's directory once it
  /// completed, or an error. Needs checkpointing.
  caf::replies_to<savepoint_atom, std::string, snapshot_kind>::with<std::string>,
  /// From a client: take a checkpoint now; answered with its id once it
  /// completed.
  caf::replies_to<checkpoint_atom>::with<uint64_t>,
  /// From a subtask that finished normally, just before it quits.
  caf::reacts_to<subtask_metrics>,
  /// From the checkpoint coordinator: fail the job (too many checkpoints
  /// failed in a row).
  caf::reacts_to<fail_atom, caf::error>,
  /// From itself: the restart backoff of attempt n expired; redeploy.
  caf::reacts_to<redeploy_atom, uint64_t>,
  /// From itself: send the heartbeats of attempt n.
  caf::reacts_to<heartbeat_round_atom, uint64_t>>;

/// Tracks the checkpoints of one job (Flink's CheckpointCoordinator):
/// triggers the sources, collects acks and declines, completes, fails and
/// subsumes checkpoints, takes savepoints. Spawned by the job master.
using coordinator_actor = caf::typed_actor<
  /// From itself: time to check the trigger policy and the timeouts.
  caf::reacts_to<tick_atom>,
  /// From a subtask: its snapshot of checkpoint n was written.
  caf::reacts_to<ack_msg>,
  /// From a subtask: it cannot take checkpoint n (with the cause).
  caf::reacts_to<decline_msg>,
  /// From a subtask: it started running or its input ended.
  caf::reacts_to<subtask_state_msg>,
  /// From the job master: the job ended with this status; keep or remove
  /// the checkpoints as configured, then quit.
  caf::reacts_to<shutdown_atom, job_status>,
  /// From the job master: a failover to attempt n started; abort what is
  /// pending and reply the checkpoint to restore (null: start fresh).
  caf::replies_to<suspend_atom, uint64_t>::with<std::shared_ptr<const restore_point>>,
  /// From the job master: attempt n is deployed with these subtasks.
  caf::reacts_to<resume_atom, uint64_t, std::vector<std::vector<subtask_actor>>>,
  /// From the job master: a savepoint into the directory (empty:
  /// checkpointing.savepoint-dir) of the snapshot_kind; answered with its
  /// directory once it completed.
  caf::replies_to<savepoint_atom, std::string, snapshot_kind>::with<std::string>,
  /// From the job master: a checkpoint now; answered with its id once it
  /// completed.
  caf::replies_to<checkpoint_atom>::with<uint64_t>>;

} // namespace sluice

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sluice::deployment_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<const sluice::restore_point>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<std::vector<sluice::subtask_actor>>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sluice::job_status)
