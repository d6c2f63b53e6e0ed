// The state files that make up one operator subtask's incremental keyed
// state at each of its checkpoints (the subtask's half of Flink's
// SharedStateRegistry: which shared files a checkpoint's handles list).
//
// With incremental snapshots (lmdb, `state.incremental`), checkpoint n's
// keyed state is a chain of files in `<dir>/<job-id>/shared/`: the last full
// snapshot, then every delta after it up to n, in order. A delta builds on
// the last *confirmed* checkpoint b (keyed_state_snapshot::base_checkpoint),
// so chain(n) = chain(b) + [delta n]; a full snapshot starts a new chain.
// Restore applies the files in chain order (tombstones remove keys).
//
// Protocol (one per keyed operator of a subtask):
//   on the actor, synchronous part:   base = chain.at(b)  (copied into the task)
//   on the writer thread, after the file is written:
//                                      chain.record(n, extend(base, file))
//   on the actor, checkpoint n complete: chain.confirm(n)
// Taking the base chain on the actor, before the asynchronous part starts,
// keeps a confirmation that arrives meanwhile (and drops b's entry) from
// racing with the writer.
//
// Thread-safe (one mutex): the actor and the writer threads share it.
// Errors: `at` throws sluice::exception(ec::checkpoint_failure) for a base
// that was never recorded (an engine bug; the checkpoint is declined).
#pragma once

#include "snapshot/checkpoint_metadata.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

namespace sluice {

using handle_chain = std::vector<state_handle>;

/// `base` followed by `file` (when the delta or full snapshot wrote one: a
/// delta without changes writes none and its chain is its base's).
handle_chain extend(handle_chain base, std::optional<state_handle> file);

class incremental_chain {
public:
  /// Records the chain of checkpoint `id` (replacing an earlier record of
  /// the same id).
  void record(uint64_t id, handle_chain chain);

  /// The chain recorded for checkpoint `id`. Throws (see above) when none.
  handle_chain at(uint64_t id) const;

  /// Checkpoint `id` completed: chains of older checkpoints are dropped
  /// (no later snapshot can build on them); `id`'s and newer ones stay.
  void confirm(uint64_t id);

  /// Checkpoint ids with a recorded chain, ascending (tests, diagnostics).
  std::vector<uint64_t> recorded() const;

private:
  mutable std::mutex mtx_;
  std::map<uint64_t, handle_chain> chains_;
};

} // namespace sluice
