// Redistribution of operator list state on restore (Flink's
// RoundRobinOperatorStateRepartitioner).
//
// An operator writes list state items at a checkpoint (snapshot_context::
// add_list_item); each subtask's items land in its state file, in order
// (state_file_reader.hpp: `operator_list_item`). On restore the restoring
// side loads the items of every old subtask and asks this function which
// items each new subtask gets (its initialization_context::list_items).
//
// Each state name has a distribution mode (Flink stores it per state in the
// snapshot meta; `OperatorStateHandle.Mode`):
//
// - even_split (Flink's getListState, SPLIT_DISTRIBUTE). When the
//   parallelism is unchanged, every subtask gets exactly its own items back.
//   Otherwise the items of all old subtasks are concatenated (old subtask
//   order, then item order) and cut into `p` contiguous parts, one per new
//   subtask; with n items, `n % p` parts hold `n / p + 1` items and the rest
//   `n / p`. Flink's rule, followed here: the parts go to new subtasks
//   `start, start + 1, ...` (mod p), the larger ones first; `start` is 0 for
//   the first even_split state and then moves on by `n % p` for each state,
//   so the extra items of several states do not all land on subtask 0.
//   even_split states are taken in name order (Flink: HashMap order).
// - union_list (getUnionListState, UNION): every new subtask gets all items
//   of all old subtasks, in old subtask order, also at unchanged parallelism.
// - broadcast (BroadcastState, BROADCAST): every old subtask holds the same
//   copy. New subtask i gets old subtask `i % p_old`'s copy (Flink: each task
//   reads its own; on scale-up the extra tasks read the old ones round
//   robin). So nothing is merged or deduplicated. Copies that differ are a
//   user bug (broadcast updates must be deterministic), but bytes may differ
//   legitimately when a map's iteration order differs between subtasks, so
//   this is not an error; `diverging_broadcast_states` lists them for a
//   warning.
//
// An old subtask that has no item of a state simply contributes nothing
// (an empty state writes no items); a state with no item at all does not
// appear in the output.
//
// Output order: each new subtask's items are grouped by state, states in
// name order (byte-wise), items of one state in the order above.
//
// Pure, no I/O, thread-safe. Called by the restore path before subtasks are
// spawned.
#pragma once

#include "snapshot/state_file_reader.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

/// How an operator list state is redistributed on restore.
enum class operator_state_mode : uint8_t {
  /// Flink's getListState: items split evenly over the new subtasks.
  even_split,
  /// Flink's getUnionListState: every new subtask gets all items.
  union_list,
  /// Flink's BroadcastState: every new subtask gets one copy.
  broadcast,
};

/// "even_split", "union_list", "broadcast".
const char* to_string(operator_state_mode x) noexcept;

/// Parses the names of `to_string` (exactly, case-sensitive); nullopt
/// otherwise.
std::optional<operator_state_mode> parse_operator_state_mode(std::string_view s) noexcept;

/// State name -> mode, for one operator. Names not in the map are even_split.
using operator_state_modes = std::map<std::string, operator_state_mode, std::less<>>;

/// The mode of state `name`: its entry in `modes`, else even_split.
operator_state_mode mode_of(const operator_state_modes& modes, std::string_view name) noexcept;

/// One operator's list state items per old subtask: `[i]` holds old subtask
/// i's items in file order (items of several states may interleave).
using subtask_list_items = std::vector<std::vector<operator_list_item>>;

/// Decides which list state items each of `new_parallelism` new subtasks
/// gets (see the top of this file); the result has `new_parallelism`
/// entries, `[i]` for new subtask i.
///
/// Errors (sluice::exception with ec::invalid_argument, message naming the
/// problem): `new_parallelism` is 0; `old_parallelism` is 0; `old.size()`
/// is not `old_parallelism` (a subtask's state is missing or extra).
subtask_list_items redistribute_operator_state(const subtask_list_items& old,
                                               uint32_t old_parallelism,
                                               uint32_t new_parallelism,
                                               const operator_state_modes& modes);

/// Names (in order) of the broadcast states whose copies are not byte-wise
/// equal over all old subtasks (an old subtask without items counts as an
/// empty copy). For a warning; never throws for content. Same errors as
/// above for a mismatched `old_parallelism`.
std::vector<std::string> diverging_broadcast_states(const subtask_list_items& old,
                                                    uint32_t old_parallelism,
                                                    const operator_state_modes& modes);

} // namespace sluice
