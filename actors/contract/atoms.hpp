// Every atom of sluice's actor interfaces (CAF 0.17: at most 10 characters),
// each with one meaning (tests/actors/atoms_test.cpp keeps their values
// distinct).
#pragma once

#include <caf/atom.hpp>

namespace sluice {

/// job master -> subtask: here is your chain, your outputs; start.
using deploy_atom = caf::atom_constant<caf::atom("deploy")>;
/// subtask -> itself: run the next step of the head source.
using run_atom = caf::atom_constant<caf::atom("run")>;
/// subtask -> itself: buffer timeout expired, send partial batches.
using flush_atom = caf::atom_constant<caf::atom("flush")>;
/// A subtask's processing-time timer is due (operator_chain::fire_processing_time).
using timer_atom = caf::atom_constant<caf::atom("proctimer")>;
/// subtask -> itself: handle queued input items.
using pump_atom = caf::atom_constant<caf::atom("pump")>;
/// inlet actor -> itself: the inlet has room again; push held batches.
using room_atom = caf::atom_constant<caf::atom("room")>;
/// job master -> coordinator: the restarted attempt is deployed; resume
/// checkpointing with its subtasks.
using resume_atom = caf::atom_constant<caf::atom("resume")>;
/// outlet -> host actor: the job finished; every batch was sent before.
using end_of_stream_atom = caf::atom_constant<caf::atom("end_stream")>;
/// client -> job master: what is the job's status?
using status_atom = caf::atom_constant<caf::atom("status")>;
/// client / fault injector -> job master: the subtask actors of the job.
using subtasks_atom = caf::atom_constant<caf::atom("subtasks")>;
/// client -> job master: cancel the job.
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using fail_atom = caf::atom_constant<caf::atom("fail")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
/// job master -> coordinator: a failover started (abort, reply the
/// restore point).
using suspend_atom = caf::atom_constant<caf::atom("suspend")>;
/// job master -> itself: the restart backoff expired.
using redeploy_atom = caf::atom_constant<caf::atom("redeploy")>;
/// job master -> subtask: are you alive? (answered with records taken in).
using heartbeat_atom = caf::atom_constant<caf::atom("heartbeat")>;
/// job master -> itself: time for the next round of heartbeats.
using heartbeat_round_atom = caf::atom_constant<caf::atom("hb_round")>;
using align_timeout_atom = caf::atom_constant<caf::atom("align_to")>;
/// client -> job master -> coordinator: take a savepoint (target directory,
/// snapshot_kind), answered with its directory once it completed.
using savepoint_atom = caf::atom_constant<caf::atom("savepoint")>;
/// client -> job master -> coordinator: take a checkpoint now, answered
/// with its id once it completed.
using checkpoint_atom = caf::atom_constant<caf::atom("checkpoint")>;

} // namespace sluice
