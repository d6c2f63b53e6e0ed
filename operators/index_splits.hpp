// Positions of a source over an index space cut into splits (Flink's
// FLIP-27 splits, for sources whose element i is a pure function of i: the
// click generator and collections). Plain class, no CAF: the sources in
// operators/sources.hpp own one each.
//
// Splits. The indices 0, 1, 2, ... below `end` (all of them when `end` is
// `unbounded`) are cut into `num_splits` splits: split s holds s, s + S,
// s + 2S, ... (S = num_splits). Split s belongs to subtask
// `s % parallelism`; with parallelism above S the subtasks from S on own
// nothing and finish at once. A subtask emits the indices of its splits in
// ascending order, so parallelism 1 emits 0, 1, 2, ... like a plain loop.
//
// State. `snapshot()` is one list state item per subtask: S and the next
// index of every split the subtask owns (also of exhausted ones), so the
// union of all subtasks' items covers every split exactly once. The state
// is a union list (operator_state_mode::union_list): after a restore every
// new subtask sees all items and keeps the splits it owns under the new
// parallelism (`restore`). So a job resumes exactly, at any parallelism,
// from a checkpoint or savepoint: no index lost, none repeated.
//
// Errors of `restore` (sluice::exception; `source` names the source):
//  - ec::incompatible_state: the snapshot cut the index space into another
//    number of splits, or holds the pre-split "offset" state of an older
//    sluice (no restart can cure either: the job fails at once);
//  - ec::corrupt_file: an item cannot be decoded, a split appears twice or
//    not at all, a position does not belong to its split.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice {

struct initialization_context;

/// Name of the (union) operator list state of index-split sources.
inline constexpr const char* index_splits_state = "splits";

class index_splits {
public:
  /// An index space without end (a generator that never stops).
  static constexpr uint64_t unbounded = UINT64_MAX;

  /// The indices [0, end) cut into `num_splits` splits. Preconditions:
  /// num_splits >= 1.
  index_splits(uint32_t num_splits, uint64_t end) noexcept;

  /// Fresh start: subtask `subtask` of `parallelism` owns its splits, each
  /// at its first index.
  void assign(uint32_t subtask, uint32_t parallelism);

  /// Restores from the union of every old subtask's `snapshot()` items
  /// (`restored_list(index_splits_state)` of a restored context) and keeps
  /// the splits subtask `subtask` of `parallelism` owns. When the context
  /// also holds list state "offset" of the sources before splits, that is
  /// refused. Errors: see the top of this file.
  void restore(const initialization_context& ctx, uint32_t subtask, uint32_t parallelism,
               std::string_view source);

  /// Whether every owned split is exhausted (never true when unbounded).
  bool done() const noexcept {
    return heap_.empty();
  }

  /// The smallest index not yet emitted; precondition: !done().
  uint64_t peek() const noexcept {
    return heap_.front().next;
  }

  /// Takes the smallest index not yet emitted; precondition: !done().
  uint64_t take();

  /// Number of splits this subtask owns (exhausted ones included).
  size_t owned() const noexcept {
    return positions_.size();
  }

  uint32_t num_splits() const noexcept {
    return num_splits_;
  }

  /// This subtask's list state item (see the top of this file).
  std::string snapshot() const;

private:
  struct entry {
    uint64_t next;
    uint32_t split;
  };

  bool exhausted(uint64_t next) const noexcept {
    return next >= end_;
  }
  void rebuild_heap();

  uint32_t num_splits_;
  uint64_t end_;
  /// Owned splits with their next index, by split (snapshot order).
  std::vector<std::pair<uint32_t, uint64_t>> positions_;
  /// Index into positions_ of each split id, for `take`.
  std::vector<uint32_t> slot_;
  /// Non-exhausted owned splits, a min-heap on `next`.
  std::vector<entry> heap_;
};

} // namespace sluice
