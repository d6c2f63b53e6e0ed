// Restoring one operator of a redeployed subtask from a completed
// checkpoint (Flink's StreamTaskStateInitializer + the assignment half of
// StateAssignmentOperation), as plain functions: no CAF, the subtask calls
// them while it builds its chain, before `initialize_state` and `open`.
//
// For the operator with uid `uid` (matched by uid, DESIGN.md: uids make
// state survive changes of the job), from `point`:
//   keyed state    every keyed handle whose key groups overlap the new
//                  subtask's range, in metadata order (so an incremental
//                  chain is applied base first, each delta after it),
//                  filtered to that range: entries via restore_entry,
//                  tombstones via restore_deleted;
//   list state     the items of every old subtask, redistributed for the
//                  new parallelism by the operator's modes
//                  (snapshot/operator_state_redistribution.hpp);
//   channel state  the in-flight batches of an unaligned checkpoint that
//                  the old subtask with the same index recorded (only at
//                  the same parallelism: rescaling in-flight data is
//                  refused, see below).
// An operator the checkpoint does not know (new in the job) starts empty.
//
// Blocking: reads state files. Errors (sluice::exception): whatever the
// storage and reader throw (ec::io_error, ec::corrupt_file, naming the
// file); ec::state_type_mismatch from the backend; ec::incompatible_state
// naming the operator when its max parallelism changed, when it holds
// keyed state but the operator is not keyed, or when channel state would
// have to be rescaled. The job master fails the job at once on those
// (snapshot/error.hpp: restarts_cannot_cure).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "actors/contract/operator.hpp"
#include "actors/config/restore_mode.hpp"
#include "snapshot/checkpoint_storage.hpp"
#include "snapshot/keyed_state_backend.hpp"
#include "snapshot/operator_state_redistribution.hpp"

namespace sluice {

// restore_mode, to_string, parse_restore_mode: actors/config/restore_mode.hpp.

/// A completed checkpoint to restore a job attempt from.
struct restore_point {
  /// Where a checkpoint's files are (null for a savepoint).
  checkpoint_storage_ptr storage;
  /// A savepoint's directory (snapshot/savepoint.hpp; empty for a
  /// checkpoint): its handles name files inside it.
  std::filesystem::path savepoint_dir;
  checkpoint_metadata metadata;
  restore_mode mode = restore_mode::no_claim;

  uint64_t checkpoint_id() const noexcept {
    return metadata.checkpoint_id;
  }

  /// Reads one of the metadata's handles (blocking).
  state_file_contents read(const state_handle& h, key_group_range wanted) const;

  /// Deletes the snapshot (restore mode claim, once subsumed): `_metadata`
  /// first, so a half-deleted snapshot no longer exists, then every state
  /// file its handles name (shared ones of a checkpoint included), then the
  /// checkpoint's or savepoint's directory when it ended up empty. Blocking;
  /// never throws: returns how many files could not be removed.
  size_t discard() const noexcept;
};

using restore_ptr = std::shared_ptr<const restore_point>;

/// The savepoint or completed checkpoint at `path`: its `_metadata` file
/// or the directory holding it. A savepoint may be anywhere (it is
/// self-contained); a checkpoint must be in Flink's layout
/// `<root>/<job-id>/chk-<n>/` (state files beside it, shared ones in
/// `<root>/<job-id>/shared/`). Throws sluice::exception: ec::io_error or
/// ec::corrupt_file naming the file when `_metadata` is missing, unreadable
/// or damaged; ec::invalid_argument when a checkpoint's directory is not
/// named after the checkpoint it holds (a moved checkpoint: take a
/// savepoint to move state).
std::shared_ptr<restore_point> load_restore_point(const std::filesystem::path& path);

/// Checks that `point` fits the job whose operator uids are `uids` before
/// anything runs (Flink's savepoint restore rules): state of an operator
/// uid the job does not have fails the restore, naming the uids, unless
/// `allow_non_restored_state` (then it is skipped). Returns warnings:
/// one per skipped operator, and one per operator in `generated` (uids
/// sluice generated from the graph's shape: a changed job silently loses
/// their state) that the restore matched. A matched operator whose
/// snapshot has another max parallelism than `max_parallelism` (the job's
/// key groups) fails the restore too. Throws sluice::exception
/// (ec::invalid_argument).
std::vector<std::string> check_restore(const restore_point& point,
                                       const std::vector<std::string>& uids,
                                       const std::vector<std::string>& generated,
                                       bool allow_non_restored_state,
                                       uint32_t max_parallelism);

/// What one operator of a restoring subtask gets besides its keyed state.
struct operator_restore {
  /// The checkpoint knew the operator.
  bool found = false;
  /// Its operator list state for this subtask, for initialization_context.
  std::vector<list_state_item> list_items;
  /// In-flight batches the old subtask recorded for this operator (inputs
  /// of a head operator, outputs of a tail operator), in file order.
  std::vector<channel_batch> channel_batches;
};

/// Restores operator `uid` of subtask `index` of `parallelism` (see the top
/// of this file). `keyed` is the operator's backend, nullptr for an
/// operator without keyed state (a checkpoint with keyed state for it is
/// then an error: ec::incompatible_state). `max_parallelism` is the job's.
operator_restore restore_operator(const restore_point& point, const std::string& uid,
                                  uint32_t parallelism, uint32_t index,
                                  uint32_t max_parallelism,
                                  const operator_state_modes& modes,
                                  keyed_state_backend* keyed);

} // namespace sluice
