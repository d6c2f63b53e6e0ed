// A write-ahead-log sink (Flink's GenericWriteAheadSink): records are kept
// in the sink's checkpointed state and written to the target only once the
// checkpoint that holds them completed.
//
// - process: formats each record as a line (Format, as in
//   transactional_file_sink.hpp) and buffers it in memory.
// - snapshot_state(n): the buffer becomes pending batch n; every pending
//   batch is stored as one item of list state "wal-state" (union_list; old
//   subtask j's batches are written by new subtask j % parallelism into
//   j's file, so a rescale neither loses nor doubles them).
// - notify_checkpoint_complete(n): writes the pending batches of every
//   checkpoint <= n, in order, through the `wal_committer`.
// - open after a restore: the restored checkpoint is complete, so its
//   pending batches are written at once (Flink writes them at the next
//   completion); uncommitted tails are cut off (below).
// - close: nothing; the final checkpoint after end of input (FLIP-147)
//   writes the rest. Without checkpointing nothing is ever written.
//
// The committer and its exact guarantee. Subtask j appends to
//   <dir>/<job>.<uid>-<j>.out        the output (lines)
//   <dir>/.<job>.<uid>-<j>.committed "sluice-wal 1 <checkpoint> <length>\n"
// Writing batch n: if the marker's checkpoint is >= n the batch was written
// before and is skipped (Flink's CheckpointCommitter.isCheckpointCommitted).
// Otherwise the output is truncated to the marker's length (dropping what a
// write that crashed before its marker left), the batch is appended and
// fsynced, and then the marker is replaced atomically (temp, fsync, rename,
// fsync dir) with (n, new length). The marker replacement is the commit
// point, and the check, the data and the marker are consistent at every
// crash point, so:
// - the first `length` bytes of the output (read_committed_wal_lines) hold
//   every completed checkpoint's records exactly once;
// - a reader of the raw file may see, for the moment between the append and
//   the marker (and after a crash there, until the restore truncates it), a
//   batch that is then cut off and written again: at-least-once for such a
//   reader, the narrow window Flink documents for its WAL sink when the
//   committer's check is not atomic with the write.
// Unlike the two-phase commit sink, the records are copied into every
// checkpoint until written (state grows with the output per interval), and
// the write happens after completion, so it delays nothing at the barrier.
// A fresh start (no restored state) keeps the content of an earlier run's
// file and forgets its checkpoint ids (a new job counts from 1 again); a
// restored job expects the markers in `dir` to come from its own lineage.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "operators/transactional_file_sink.hpp"

namespace sluice {

/// One pending batch in list state "wal-state".
struct wal_batch {
  uint8_t version = 1;
  uint32_t subtask = 0;
  uint64_t checkpoint_id = 0;
  std::vector<std::string> lines;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wal_batch& x) {
  return f(caf::meta::type_name("wal_batch"), x.version, x.subtask, x.checkpoint_id, x.lines);
}

/// Writes batches of lines into a subtask's output file, at most once per
/// checkpoint id (see the header comment). Not thread-safe; nothing else
/// may write the same subtask's files concurrently. Failures throw
/// sluice::exception naming the file (ec::io_error, or ec::corrupt_file for
/// a malformed marker or an output shorter than its marker says).
class wal_committer {
public:
  struct marker {
    uint64_t checkpoint_id = 0;
    uint64_t length = 0;
  };

  explicit wal_committer(std::filesystem::path dir);

  std::filesystem::path output_path(const subtask_info& info, uint32_t subtask) const;
  std::filesystem::path marker_path(const subtask_info& info, uint32_t subtask) const;

  /// The marker, {0, 0} when there is none yet.
  marker read_marker(const subtask_info& info, uint32_t subtask) const;

  /// Appends `lines` (each followed by '\n') as checkpoint `checkpoint_id`'s
  /// batch unless the marker shows it written; returns whether it wrote.
  bool write(const subtask_info& info, uint32_t subtask, uint64_t checkpoint_id,
             const std::vector<std::string>& lines);

  /// Cuts the output back to the marker's length.
  void truncate_uncommitted(const subtask_info& info, uint32_t subtask);

  /// Fresh start: truncates, then sets the marker's checkpoint id to 0
  /// (keeping the committed length).
  void reset(const subtask_info& info, uint32_t subtask);

private:
  void ensure_directory();
  void write_marker(const subtask_info& info, uint32_t subtask, marker m);

  std::filesystem::path dir_;
  bool directory_ready_ = false;
};

/// The committed lines of every output file in `dir` (each read up to its
/// marker's length; files in name order). A missing directory gives none.
std::vector<std::string> read_committed_wal_lines(const std::filesystem::path& dir);

template <class T, class Format = line_format<T>>
class write_ahead_sink final : public stream_operator {
public:
  static constexpr const char* state_name = "wal-state";

  explicit write_ahead_sink(std::filesystem::path dir, Format format = {})
    : committer_(std::move(dir)), format_(std::move(format)) {
  }

  void initialize_state(const initialization_context& ctx) override {
    restored_ = ctx.restored;
    restored_items_ = ctx.restored_list(state_name);
  }

  void open(operator_context& ctx) override {
    info_ = ctx.info();
    auto me = info_.subtask_index;
    auto p = std::max<uint32_t>(info_.parallelism, 1);
    std::vector<wal_batch> batches;
    for (auto& bytes : restored_items_) {
      auto b = decode_value<wal_batch>(bytes, info_.display_name() + " " + state_name);
      if (b.version != 1)
        throw exception(ec::corrupt_file, info_.display_name() + " " + state_name
                                            + ": unknown version " + std::to_string(b.version));
      if (b.subtask % p == me)
        batches.push_back(std::move(b));
    }
    restored_items_.clear();
    std::sort(batches.begin(), batches.end(), [](const wal_batch& a, const wal_batch& b) {
      return std::pair{a.subtask, a.checkpoint_id} < std::pair{b.subtask, b.checkpoint_id};
    });
    std::vector<uint32_t> handled{me};
    for (auto& b : batches)
      if (std::find(handled.begin(), handled.end(), b.subtask) == handled.end())
        handled.push_back(b.subtask);
    for (auto j : handled)
      committer_.truncate_uncommitted(info_, j);
    for (auto& b : batches)
      committer_.write(info_, b.subtask, b.checkpoint_id, b.lines);
    if (!restored_)
      committer_.reset(info_, me);
  }

  void process(const batch_ptr& in, operator_context&) override {
    for (auto& x : records_of<T>(*in))
      buffer_.push_back(format_(x));
  }

  void snapshot_state(const snapshot_context& ctx) override {
    if (!buffer_.empty()) {
      pending_[ctx.checkpoint_id] = std::move(buffer_);
      buffer_.clear();
    }
    for (auto& [id, lines] : pending_) {
      std::string bytes;
      encode_value(wal_batch{1, info_.subtask_index, id, lines}, bytes);
      ctx.add_list_item(state_name, std::move(bytes));
    }
  }

  void notify_checkpoint_complete(uint64_t checkpoint_id) override {
    while (!pending_.empty() && pending_.begin()->first <= checkpoint_id) {
      committer_.write(info_, info_.subtask_index, pending_.begin()->first,
                       pending_.begin()->second);
      pending_.erase(pending_.begin());
    }
  }

  operator_state_modes list_state_modes() const override {
    return {{state_name, operator_state_mode::union_list}};
  }

  /// Batches waiting for their checkpoint to complete, by checkpoint id.
  const std::map<uint64_t, std::vector<std::string>>& pending() const noexcept {
    return pending_;
  }

  const wal_committer& committer() const noexcept {
    return committer_;
  }

private:
  wal_committer committer_;
  Format format_;
  subtask_info info_;
  bool restored_ = false;
  std::vector<std::string> restored_items_;
  std::vector<std::string> buffer_;
  std::map<uint64_t, std::vector<std::string>> pending_;
};

} // namespace sluice
