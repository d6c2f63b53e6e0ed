// `sluice savepoint --dispose PATH` (Flink's `flink savepoint --dispose`):
// deletes a savepoint offline.
//
// Decision and execution are separate: disposal_refusal says whether the
// snapshot may be disposed (only a savepoint, and only one whose state files
// all lie inside its directory: a savepoint is self-contained, so nothing a
// checkpoint or another savepoint shares can go); plan_disposal lists the
// files; dispose_savepoint deletes `_metadata` first (and fsyncs the
// directory, so a crash halfway never leaves a savepoint whose files are
// gone), then the state files and the subdirectories they emptied, then the
// directory itself when nothing else is left in it.
//
// Blocking file I/O (dispose_savepoint only); thread-safe.
#pragma once

#include "apps/cli/checkpoint_state.hpp"
#include "snapshot/checkpoint_metadata.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sluice::apps {

/// Why `md`, read from `shown` (the path the user gave), must not be
/// disposed as a savepoint, or nullopt when it may: "<shown> is a
/// checkpoint, not a savepoint; ..." or "<shown>: state file '<path>' of
/// operator '<uid>' subtask <n> lies outside the savepoint directory; ...".
std::optional<std::string> disposal_refusal(const std::string& shown,
                                            const checkpoint_metadata& md);

struct disposal_plan {
  std::filesystem::path dir;
  std::filesystem::path metadata_file;
  /// Every distinct state file, in handle order (inline state has none).
  std::vector<std::filesystem::path> state_files;
};

/// The files disposing `md` at `where` removes. Precondition:
/// !disposal_refusal(..., md).
disposal_plan plan_disposal(const checkpoint_location& where, const checkpoint_metadata& md);

struct disposal_result {
  /// The savepoint directory itself is gone.
  bool dir_removed = false;
  /// What remains in the directory (files no handle named), relative paths.
  std::vector<std::string> left;
  /// Removals that failed ("<path>: <reason>"); missing files are no failure.
  std::vector<std::string> failures;
};

/// Carries out `plan`. Never throws for a single file: failures are
/// collected. Throws sluice::exception(ec::io_error) naming `_metadata`
/// when even that cannot be removed (then nothing else was touched).
disposal_result dispose_savepoint(const disposal_plan& plan);

} // namespace sluice::apps
