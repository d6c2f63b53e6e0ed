// `sluice checkpoints DIR`: the retained checkpoints and savepoints under a
// directory, found offline (no running job).
//
// DIR may be a checkpoint root (`checkpointing.dir`, holding
// `<job-id>/chk-<n>/_metadata`), one job directory (`chk-<n>/_metadata`), a
// directory of savepoints (`<name>/_metadata`) or one checkpoint or savepoint
// directory (`_metadata`). A checkpoint exists only when its `_metadata`
// does (DESIGN.md invariant 2): directories without one are skipped
// silently. Every `_metadata` found is read and validated
// (read_metadata_file); one that is damaged, or that references a missing
// state file, is reported as a problem naming the file, and the others are
// still listed.
//
// Pure functions apart from the directory scan; thread-safe.
#pragma once

#include "snapshot/checkpoint_metadata.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sluice::apps {

struct listed_checkpoint {
  std::string job_id;
  uint64_t checkpoint_id = 0;
  /// Trigger time, ms since the Unix epoch.
  int64_t timestamp_ms = 0;
  bool is_savepoint = false;
  /// `_metadata` plus every state file it references (shared ones too,
  /// each file once; inline state is inside `_metadata`).
  uint64_t size_bytes = 0;
  /// The checkpoint or savepoint directory.
  std::filesystem::path dir;
};

struct checkpoint_scan {
  /// Sorted by job id, then checkpoint id, then path.
  std::vector<listed_checkpoint> found;
  /// One line per damaged checkpoint, naming the file and the problem.
  std::vector<std::string> problems;
};

/// Time `ms` (since the Unix epoch) as ISO 8601 UTC with milliseconds,
/// "2023-11-14T22:13:20.123Z".
std::string format_utc_iso8601(int64_t ms);

/// `_metadata`'s size plus the on-disk size of every distinct state file
/// `md` references from checkpoint directory `dir`. Throws
/// sluice::exception(ec::io_error, "<metadata file>: references missing
/// state file <path>") when one does not exist.
uint64_t checkpoint_size(const std::filesystem::path& dir, const checkpoint_metadata& md,
                         uint64_t metadata_size);

/// The directories under `dir` (itself, its children and grandchildren)
/// holding a `_metadata`, sorted. Throws sluice::exception(ec::io_error,
/// "<dir>: no such directory" / "<dir>: not a directory").
std::vector<std::filesystem::path> find_checkpoint_dirs(const std::filesystem::path& dir);

/// Reads every checkpoint find_checkpoint_dirs finds. Throws like it.
checkpoint_scan scan_checkpoints(const std::filesystem::path& dir);

/// The table `sluice checkpoints` prints (header line, one line per
/// checkpoint, columns JOB ID, ID, TRIGGER TIME (UTC), SIZE (BYTES), KIND,
/// PATH), or "no retained checkpoints under DIR\n" when `found` is empty.
std::string format_checkpoint_table(const std::vector<listed_checkpoint>& found,
                                    const std::filesystem::path& dir);

} // namespace sluice::apps
