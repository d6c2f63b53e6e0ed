// The retained completed checkpoints of a job and the reference counts of
// the files they use (Flink's CompletedCheckpointStore + SharedStateRegistry
// + the cleanup half of CheckpointsCleaner).
//
// Owned by the job master (it survives failovers: restore picks `latest()`),
// fed by the coordinator. It never touches a file: every method that drops
// something returns what the caller must delete (invariant 2: nothing a
// retained checkpoint references is ever in that list).
//
// Files are named by strings as the storage names them (e.g. paths relative
// to the checkpoint root). A file may be referenced by several checkpoints
// (incremental state in `shared/`); it becomes deletable only when no
// retained checkpoint and no held pending checkpoint references it.
//
// Deleting a `disposal` (the storage actor, off the coordinator's thread):
// for each checkpoint first its `_metadata` (so a half-deleted checkpoint no
// longer exists), then `files`, then the checkpoint's `location` directory
// if it is empty (a still-referenced file inside keeps it).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/checkpoint/checkpoint_config.hpp"
#include "actors/checkpoint/checkpoint_types.hpp"
#include "actors/contract/job_status.hpp"

namespace sluice {

/// One completed checkpoint as the store keeps it.
struct completed_checkpoint {
  uint64_t checkpoint_id = 0;
  checkpoint_time trigger_time{};
  checkpoint_time completion_time{};
  /// Where it lives: `<dir>/<job-id>/chk-<n>` (its `_metadata` inside);
  /// empty for memory storage.
  std::string location;
  /// Every file its state references (own and shared), not `_metadata`.
  /// Duplicates are ignored.
  std::vector<std::string> files;
  uint64_t state_size = 0;
};

/// What the caller must delete.
struct checkpoint_disposal {
  /// Checkpoints that left the store, ascending ids: delete their
  /// `_metadata` (inside `location`) first, their directory last.
  std::vector<completed_checkpoint> checkpoints;
  /// Files nothing retained references any more, sorted.
  std::vector<std::string> files;

  bool empty() const noexcept {
    return checkpoints.empty() && files.empty();
  }
};

class completed_store {
public:
  /// Keeps the newest `retained` (>= 1) checkpoints; `externalized`
  /// decides what `shutdown` keeps.
  completed_store(int32_t retained, externalized_cleanup externalized);

  /// Convenience: `retained` and `externalized` of `cfg`.
  explicit completed_store(const checkpoint_config& cfg);

  /// Adds a completed checkpoint (also a restored one, see docs/architecture.md) and
  /// subsumes the oldest beyond `retained`. Its files are referenced before
  /// anything is released, so files it shares with a subsumed checkpoint
  /// stay. Releases the references held for it by `hold` (same id). Returns
  /// the subsumed checkpoints and the files only they referenced. A
  /// checkpoint older than every retained one with the store full is
  /// subsumed at once (returned). Precondition (throws std::logic_error):
  /// no retained checkpoint has the same id.
  checkpoint_disposal add(completed_checkpoint cp);

  /// References `files` for pending checkpoint `checkpoint_id` (e.g. per
  /// ack), so a subsumption meanwhile does not delete files the pending
  /// checkpoint reuses. Optional: without holds only retained checkpoints
  /// protect files.
  void hold(uint64_t checkpoint_id, const std::vector<std::string>& files);

  /// Pending checkpoint `checkpoint_id` was aborted: drops its holds and
  /// returns the held files nothing else references (to delete).
  std::vector<std::string> release(uint64_t checkpoint_id);

  /// Of `files` (e.g. of a refused late ack), those neither a retained
  /// checkpoint nor a hold references, sorted, without duplicates.
  std::vector<std::string> unreferenced(std::vector<std::string> files) const;

  /// The job reached `status`. Terminal statuses discard per
  /// `externalized` (Flink's CheckpointProperties):
  ///   none:                   finished, cancelled, failed -> delete all
  ///   delete_on_cancellation: finished, cancelled -> delete; failed -> keep
  ///   retain_on_cancellation: keep all
  /// Non-terminal statuses (process stopping while the job runs; Flink's
  /// SUSPENDED) keep all. Kept checkpoints stay listed; files only held by
  /// pending checkpoints are always returned (those never complete). Holds
  /// are cleared.
  checkpoint_disposal shutdown(job_status status);

  /// Retained checkpoints, ascending ids.
  const std::deque<completed_checkpoint>& checkpoints() const noexcept {
    return checkpoints_;
  }

  /// The newest retained checkpoint (restore from it), or nullptr.
  const completed_checkpoint* latest() const noexcept {
    return checkpoints_.empty() ? nullptr : &checkpoints_.back();
  }

  size_t size() const noexcept {
    return checkpoints_.size();
  }

  int32_t max_retained() const noexcept {
    return retained_;
  }

  /// References to `file` from retained checkpoints and holds (0: unknown).
  uint32_t references(const std::string& file) const noexcept;

  /// Every file referenced by a retained checkpoint or a hold, sorted (an
  /// orphan check compares this with the storage's listing).
  std::vector<std::string> referenced_files() const;

  /// Whether shutdown keeps the checkpoints for a job ending with `status`.
  static bool retains_on(externalized_cleanup policy, job_status status) noexcept;

private:
  void reference(const std::vector<std::string>& files);
  void unreference(const std::vector<std::string>& files, std::vector<std::string>& freed);

  int32_t retained_;
  externalized_cleanup externalized_;
  std::deque<completed_checkpoint> checkpoints_;
  std::map<std::string, uint32_t> refs_;
  std::map<uint64_t, std::vector<std::string>> holds_;
};

} // namespace sluice
