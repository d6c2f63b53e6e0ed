// A checkpoint's `_metadata`: which job and checkpoint, and for every
// operator and subtask where its state lives (state handles), so a restore
// finds every file. Written last and atomically when a checkpoint completes
// (DESIGN.md invariant 2): a checkpoint directory without `_metadata` holds
// no checkpoint. Schema: CheckpointMetadata in snapshot/schema/snapshot.capnp;
// container: snapshot_file.hpp.
//
// Used by the checkpoint coordinator (write), the job master (restore) and
// `sluice inspect`. The file functions block: call them off CAF's scheduler
// threads. Thread-safe: no shared state.
//
// Example:
//   checkpoint_metadata md{"job-7f3a", 12, now_ms, false,
//                          {{"counts", 2, 128, {{0, {{"counts-0.state", "", 4711, {0, 63}}}},
//                                               {1, {{"counts-1.state", "", 4242, {64, 127}}}}}}}};
//   write_metadata_file(job_dir / "chk-12", md);   // temp, fsync, rename, fsync dir
//   auto back = read_metadata_file(job_dir / "chk-12");
//   for (auto* h : handles_overlapping(back.operators[0], {32, 95})) ...
#pragma once

#include "snapshot/key_groups.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

/// Where one piece of a subtask's state lives: a state file in the
/// checkpoint directory, or (memory storage) the file's image inline.
struct state_handle {
  /// The state file, relative to the checkpoint directory, '/'-separated
  /// ("counts-0.state"; "../shared/..." for files shared between
  /// checkpoints). Empty for an inline handle.
  std::string relative_path;
  /// The complete state file image when relative_path is empty.
  std::string inline_bytes;
  /// Size of the file in bytes (of inline_bytes for an inline handle).
  uint64_t size = 0;
  /// Key groups the file covers; empty when it holds no keyed state.
  key_group_range key_groups = key_group_range::empty_range();

  bool is_inline() const noexcept {
    return relative_path.empty();
  }

  friend bool operator==(const state_handle&, const state_handle&) = default;
};

struct subtask_snapshot {
  uint32_t index = 0;
  std::vector<state_handle> handles;
  friend bool operator==(const subtask_snapshot&, const subtask_snapshot&) = default;
};

struct operator_snapshot {
  std::string uid;
  uint32_t parallelism = 1;
  uint32_t max_parallelism = default_max_parallelism;
  /// Subtasks with state; a subtask without state may be missing.
  std::vector<subtask_snapshot> subtasks;
  friend bool operator==(const operator_snapshot&, const operator_snapshot&) = default;
};

struct checkpoint_metadata {
  std::string job_id;
  uint64_t checkpoint_id = 0;
  /// Trigger time, milliseconds since the Unix epoch.
  int64_t timestamp_ms = 0;
  bool is_savepoint = false;
  std::vector<operator_snapshot> operators;
  friend bool operator==(const checkpoint_metadata&, const checkpoint_metadata&) = default;
};

/// What is wrong with `md`, or nullopt when it is valid: non-empty job id;
/// operator uids non-empty and unique; 1 <= parallelism <= max parallelism
/// <= 32768; subtask indices below parallelism and unique; each handle
/// either a relative path that stays inside the job directory (no absolute
/// path, no empty, "." or inner ".." component; one leading ".." allowed)
/// or non-empty inline bytes whose size matches; key group ranges inside
/// [0, max parallelism). Readers and writers both check it.
std::optional<std::string> metadata_problem(const checkpoint_metadata& md);

/// The complete `_metadata` file image (memory storage keeps it as is).
/// Throws ec::io_error "<name>: refusing to write invalid metadata: ..."
/// when metadata_problem(md) finds one.
std::string encode_metadata(const checkpoint_metadata& md, std::string_view name = "_metadata");

/// Parses and validates a `_metadata` image; `name` names it in errors.
/// Throws ec::corrupt_file "<name>: <what is wrong>".
checkpoint_metadata decode_metadata(std::string_view bytes, std::string_view name);

/// Writes `<checkpoint_dir>/_metadata` atomically (temp file, fsync, rename,
/// fsync the directory) and returns its size in bytes. Replaces an older
/// `_metadata`; leaves no temp file behind, also on failure. The directory
/// must exist. Throws ec::io_error naming the path.
uint64_t write_metadata_file(const std::filesystem::path& checkpoint_dir,
                             const checkpoint_metadata& md);

/// Reads `path`, a `_metadata` file or the checkpoint directory holding one.
/// Throws ec::io_error (cannot read) or ec::corrupt_file, naming the file.
checkpoint_metadata read_metadata_file(const std::filesystem::path& path);

/// The keyed state handles of `op` (over all subtasks) whose key groups
/// overlap `range`: what a subtask restoring `range` must read (each with
/// read_state_file(..., range)). Pointers into `op`.
std::vector<const state_handle*> handles_overlapping(const operator_snapshot& op,
                                                     key_group_range range);

} // namespace sluice
