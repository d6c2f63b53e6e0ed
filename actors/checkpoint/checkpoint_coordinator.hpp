// The checkpoint coordinator of one job (Flink's CheckpointCoordinator).
//
// Spawned by the job master when `checkpointing.interval` is set, as a
// detached actor (it writes `_metadata` and deletes checkpoints: blocking
// I/O stays off CAF's scheduler threads). It drives the plain decision
// classes of actors/checkpoint/: every tick it expires overdue checkpoints
// and asks the trigger policy; a trigger goes to every running source and
// to every subtask whose input already ended (FLIP-147: those snapshot
// their final state directly, no barrier can reach them). Acks go into the
// pending checkpoint; when every subtask acked, `_metadata` is written last
// and atomically, every subtask is told that checkpoint n completed, older
// pending ones are subsumed and the completed store prunes to `retained`.
// Declines, expiry and storage errors fail the checkpoint; more consecutive
// failures than `tolerable-failures` make it tell the master, which treats
// it as a failure of the job (ec::checkpoint_failure): the restart
// strategy restarts the job (Flink's global failover) or fails it. The
// coordinator triggers nothing until the next attempt resumes it.
//
// End of input: once every subtask reported that its input ended, a
// checkpoint is triggered without waiting for the interval (but after
// min-pause); the first completed checkpoint whose
// snapshots were all taken after the end is the final one, and its
// completion notice tells the subtasks to end.
//
// Messages: subtask_state_msg (running / finished), ack_msg, decline_msg,
// tick, and from the master `shutdown_atom, job_status`: abort what is
// pending, wait for asynchronous writers, keep or delete completed
// checkpoints per `externalized`, remove every other file, quit.
//
// Failover (Flink keeps its CheckpointCoordinator across restarts, and so
// do we: the completed store, the id counter and the statistics survive):
// `suspend_atom, new_attempt` aborts every pending checkpoint
// (job_failover), stops triggering, drops messages of the failed attempt
// from then on (files of their late acks are removed unless retained) and
// replies with the newest completed checkpoint as a restore_point (null
// when there is none); `resume_atom, attempt, subtasks` restarts
// triggering with the redeployed subtasks.
// Statistics go to the job board after every change.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include <caf/typed_event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/contract/actors.hpp"
#include "actors/checkpoint/checkpoint_stats.hpp"
#include "actors/checkpoint/completed_store.hpp"
#include "actors/checkpoint/failure_manager.hpp"
#include "actors/checkpoint/id_counter.hpp"
#include "actors/checkpoint/pending_checkpoints.hpp"
#include "actors/checkpoint/trigger_policy.hpp"
#include "actors/job/job_board.hpp"
#include "actors/contract/job_graph.hpp"
#include "actors/subtask/subtask_restore.hpp"
#include "snapshot/checkpoint_storage.hpp"

namespace sluice {

struct coordinator_state {
  static inline const char* name = "sluice.checkpoint_coordinator";

  std::shared_ptr<const execution_plan> plan;
  std::shared_ptr<job_board> board;
  checkpoint_storage_ptr storage;
  uint64_t attempt = 1;
  /// subtasks[v][i], as deployed by the master.
  std::vector<std::vector<subtask_actor>> subtasks;
  std::vector<subtask_id> all;
  std::set<subtask_id> sources;
  std::set<subtask_id> running;
  std::set<subtask_id> finished;
  checkpoint_id_counter ids;
  /// Set up from the job's checkpoint_config when the actor starts.
  std::optional<trigger_policy> policy;
  pending_checkpoints pending;
  std::optional<completed_store> store;
  std::optional<checkpoint_failure_manager> failures;
  checkpoint_stats stats;
  /// The final checkpoint completed; the subtasks are ending.
  bool final_completed = false;
  /// Too many checkpoints failed: the master was told; nothing is
  /// triggered until a restarted attempt resumes checkpointing.
  bool gave_up = false;
  caf::actor master;
  /// Earliest tick already scheduled.
  std::optional<checkpoint_time> next_tick;
  /// A failover is in progress (between `suspend` and `resume`).
  bool suspended = false;
  /// A savepoint, or a checkpoint triggered by hand (`checkpoint_atom`):
  /// who waits, and for a savepoint where it goes and what it is. Every
  /// other piece of a pending checkpoint lives in pending_checkpoint (acks,
  /// trigger timestamp, final acks) and goes with it.
  struct request {
    snapshot_kind kind = snapshot_kind::checkpoint;
    std::filesystem::path dir; // savepoints
    caf::response_promise promise;
  };
  /// By checkpoint id; each is answered and erased in one place (the
  /// checkpoint completed, or fail_request when it ended otherwise).
  std::map<uint64_t, request> requests;
  /// The snapshot the job started from in restore mode claim, until
  /// `checkpointing.retained` of the job's own checkpoints completed and
  /// it is deleted (then null), and how many completed so far.
  restore_ptr claimed;
  int32_t completed_since_claim = 0;
};

/// `subtasks[v][i]`: the deployed subtask actors; `storage`: where
/// checkpoints go (non-null).
/// Its interface: coordinator_actor (actors/contract/actors.hpp).
coordinator_actor::behavior_type
checkpoint_coordinator(coordinator_actor::stateful_pointer<coordinator_state> self,
                       std::shared_ptr<const execution_plan> plan,
                       std::shared_ptr<job_board> board, checkpoint_storage_ptr storage,
                       uint64_t attempt, std::vector<std::vector<subtask_actor>> subtasks,
                       caf::actor master);

} // namespace sluice
