// Savepoints (Flink's canonical savepoints, seeds 000 §4.3 and 003 §5): a
// completed checkpoint copied into a directory of its own, owned by the
// user. Self-contained and relocatable: every state file the checkpoint
// references (its own, and for incremental keyed state the shared files
// of its chain, in chain order) is copied in beside `_metadata`, whose
// handles name them relative to the directory, so the directory can be
// moved or copied anywhere and restores from there. The state files are
// the same format for both state backends, so a savepoint taken on one
// restores on the other. Nothing here deletes anything but its own
// half-written output: retention never touches a savepoint;
// `sluice savepoint --dispose` does.
//
// Layout: `<parent>/savepoint-<first 6 hex digits of the job id>-<12 hex
// digits>/` holding `_metadata` (is_savepoint = true) and the state files.
//
// Blocking file I/O (the checkpoint coordinator calls it on its own
// thread). Thread-safe: no shared state.
#pragma once

#include "snapshot/file_names.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "snapshot/checkpoint_metadata.hpp"
#include "snapshot/state_file_reader.hpp"

namespace sluice {

class checkpoint_storage;

// savepoint_dir_name: snapshot/file_names.hpp.

/// Copies checkpoint `md` (completed in `from`, files not yet deleted)
/// into a new directory under `parent` (created if missing) and returns
/// that directory. Each state file is written with fsync; `_metadata` is
/// written last and atomically, marked as a savepoint. On any failure the
/// new directory is removed and sluice::exception(ec::io_error) names the
/// file that failed.
std::filesystem::path write_savepoint(const checkpoint_storage& from,
                                      const checkpoint_metadata& md,
                                      const std::filesystem::path& parent, uint64_t random);

/// Reads one handle of the savepoint in `dir` (a file inside it, or inline
/// bytes), keyed entries of `wanted` only (see load_state_file).
state_file_contents read_savepoint_state(const std::filesystem::path& dir,
                                         const state_handle& h, key_group_range wanted);

} // namespace sluice
