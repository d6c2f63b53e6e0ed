// The job master actor (Flink's JobMaster, without restarts yet).
//
// Spawned by `job_client::submit` with an execution plan. It spawns one
// subtask actor per vertex and parallel instance (monitored; each subtask monitors
// the master in turn, so subtasks cannot outlive it), wires and deploys them receivers first, and
// tracks the job's status on the `job_board`: running until every subtask
// ended. A subtask that ends normally has finished; the first one that ends
// with an error (an operator threw, `exit_reason::kill`, ...) fails the job
// with a message naming the operator and subtask; the others are stopped.
// `cancel` stops every subtask and ends the job as cancelled. The master
// quits once the job reached a terminal status.
//
// With checkpointing on (`plan->checkpointing.enabled()`, `storage` set) it
// also spawns the checkpoint coordinator (actors/checkpoint_coordinator.hpp)
// and monitors it: a coordinator that ends with an error (too many failed
// checkpoints) fails the job. When every subtask ended, the master asks the
// coordinator to clean up (retention per `externalized`) and publishes the
// result only after it did, so no checkpoint file changes after `wait()`.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>

#include "actors/actors.hpp"
#include "actors/job_board.hpp"
#include "actors/job_graph.hpp"

namespace sluice {

class checkpoint_storage;

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
  caf::actor coordinator;
  std::shared_ptr<checkpoint_storage> storage;
  /// The result waits for the coordinator's cleanup (shutdown sent).
  bool coordinator_stopping = false;
};

class job_client;

/// The job master of a submitted job, for actors of a host or tests that
/// talk to it directly (status, subtasks, cancel).
job_master_actor master_of(const job_client& job);

job_master_actor::behavior_type
job_master(job_master_actor::stateful_pointer<job_master_state> self,
           std::shared_ptr<const execution_plan> plan,
           std::shared_ptr<job_board> board,
           std::shared_ptr<checkpoint_storage> storage = nullptr);

} // namespace sluice
