// The checkpoint coordinator's file bookkeeping (actors/checkpoint/checkpoint_coordinator.hpp):
// what an ack leaves in a pending checkpoint, the `_metadata` built from
// the acks, and which checkpoint directories and state files go when a
// checkpoint ends, is subsumed or an ack arrives too late. Functions of
// the coordinator's state, called on its thread; they block on the
// storage (deletes), as the coordinator does.
#pragma once

#include <string>
#include <vector>

#include "actors/checkpoint/checkpoint_coordinator.hpp"

namespace sluice {

/// Pending checkpoint `id` ended without completing: its directory goes, and
/// the shared files its acks referenced that nothing retained references.
void drop_pending_files(coordinator_state& st, uint64_t id);

/// The `_metadata` of pending checkpoint `p` (its acks' state handles,
/// its wall-clock trigger time).
checkpoint_metadata metadata_of(coordinator_state& st, const pending_checkpoint& p);

/// Deletes what the store released: subsumed checkpoints (directory) and
/// files no retained checkpoint references any more (shared ones included).
void dispose(coordinator_state& st, const checkpoint_disposal& disposal);

/// Restore mode claim: once `checkpointing.retained` of the job's own
/// checkpoints completed (call it after each), the snapshot the job
/// started from is subsumed and deleted; a failover restores from the
/// job's own checkpoints from then on. No-op without a claimed snapshot.
void release_claimed(coordinator_state& st);

/// Files of an ack nobody will use (a refused late ack, or one of an
/// attempt that failed over): deleted unless a retained checkpoint is that
/// very checkpoint or references them.
void drop_ack_files(coordinator_state& st, uint64_t id, std::vector<std::string> files);

/// The state files (relative to the job directory) an ack references.
std::vector<std::string> files_of(const ack_msg& m);

} // namespace sluice
