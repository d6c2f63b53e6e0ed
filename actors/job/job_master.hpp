// The job master actor (Flink's JobMaster with its restart logic).
//
// Spawned by `job_client::submit` with an execution plan. It spawns one
// subtask actor per vertex and parallel instance (monitored; each subtask
// monitors the master in turn, so subtasks cannot outlive it), wires and
// deploys them receivers first, and tracks the job's status on the
// `job_board`: running until every subtask ended. A subtask that ends
// normally has finished. `cancel` stops every subtask and ends the job as
// cancelled. The master quits once the job reached a terminal status.
//
// Failover (Flink's full restart; every edge here is all-to-all or
// forward, so the failover region is the whole job): the first subtask
// that ends with an error (an operator threw, `exit_reason::kill`, ...)
// is reported to the restart strategy (`plan->restart`,
// actors/restart/). If it allows a restart, the job goes `restarting`:
// every subtask of the attempt is stopped, the coordinator aborts what is
// pending and names the newest completed checkpoint, and after the
// strategy's backoff a new attempt (attempt id + 1) is deployed whose
// subtasks restore from that checkpoint (actors/subtask/subtask_restore.hpp:
// keyed state, list state, in-flight data; sources rewind to their
// offsets) or start fresh when there is none. Messages of older attempts
// are dropped by everyone. Otherwise the job fails with the strategy's
// reason and the cause, naming the operator and subtask. A failure whose
// code no restart can cure (snapshot/error.hpp: restarts_cannot_cure, e.g.
// restored state that does not fit the job) fails the job at once, without
// asking the strategy or spending an attempt. Restart count,
// latest cause, downtime and restored checkpoint go to the job board.
//
// With checkpointing on (`plan->checkpointing.enabled()`, `storage` set) it
// also spawns the checkpoint coordinator (actors/checkpoint/checkpoint_coordinator.hpp)
// and monitors it. More consecutive failed checkpoints than
// `checkpointing.tolerable-failures` count as a failure of the job, which
// goes to the restart strategy like a failed subtask; a coordinator that
// ends with an error fails the job. When every subtask ended, the master asks the
// coordinator to clean up (retention per `externalized`) and publishes the
// result only after it did, so no checkpoint file changes after `wait()`.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>

#include "actors/contract/actors.hpp"
#include "actors/job/job_board.hpp"
#include "actors/contract/job_graph.hpp"
#include "actors/restart/restart_strategy.hpp"

namespace sluice {

class checkpoint_storage;
class fault_points;

struct job_master_state {
  static inline const char* name = "sluice.job_master";

  std::shared_ptr<const execution_plan> plan;
  std::shared_ptr<job_board> board;
  uint64_t attempt = 1;
  job_status status = job_status::created;
  /// subtasks[v][i]: subtask i of vertex v.
  std::vector<std::vector<subtask_actor>> subtasks;
  /// Who is who, for failure messages.
  std::unordered_map<caf::actor_addr, std::string> names;
  size_t alive = 0;
  job_result result;
  /// Reported by subtasks that finished normally.
  std::vector<subtask_metrics> metrics;
  /// The checkpoint coordinator (null when checkpointing is off) and where
  /// checkpoints go.
  coordinator_actor coordinator;
  /// The job's snapshot writers (with checkpointing): spawned with the
  /// coordinator, ended when the master terminates.
  caf::actor snapshot_writers;
  std::shared_ptr<checkpoint_storage> storage;
  /// Aimed faults, handed to every subtask (may be null).
  std::shared_ptr<fault_points> faults;
  /// The result waits for the coordinator's cleanup (shutdown sent).
  bool coordinator_stopping = false;
  /// Decides whether and when a failed job restarts.
  std::unique_ptr<restart_strategy> restarts;
  job_restart_stats restart_stats;
  /// Failover in progress: when the failure happened, the backoff's end,
  /// and (once the coordinator answered) the checkpoint to restore.
  std::chrono::steady_clock::time_point failed_at;
  std::chrono::steady_clock::time_point restart_at;
  bool restore_known = false;
  std::shared_ptr<const restore_point> restore;
};

class job_client;

/// The job master of a submitted job, for actors of a host or tests that
/// talk to it directly (status, subtasks, cancel).
job_master_actor master_of(const job_client& job);

/// The actor system the job runs on.
caf::actor_system& system_of(const job_client& job);

job_master_actor::behavior_type
job_master(job_master_actor::stateful_pointer<job_master_state> self,
           std::shared_ptr<const execution_plan> plan,
           std::shared_ptr<job_board> board,
           std::shared_ptr<checkpoint_storage> storage = nullptr,
           std::shared_ptr<fault_points> faults = nullptr);

} // namespace sluice
