// Reading a retained checkpoint or savepoint offline, for `sluice inspect`
// (apps/cli/state_inspector.hpp): where its `_metadata` is, and the state of one
// operator as a restore would see it.
//
// Every file goes through the snapshot readers (read_metadata_file,
// read_state_file / read_state_bytes), so a damaged file is a
// sluice::exception(ec::corrupt_file or ec::io_error) whose message names the
// file and the problem. A state file handle is resolved against the
// checkpoint directory ("../shared/x" against its parent), so a checkpoint
// or savepoint that was moved together with what it references still reads.
//
// Blocking file I/O; no shared state (thread-safe). Memory: the live keyed
// entries of one operator are held at once (an offline tool; a restore
// streams instead).
#pragma once

#include "snapshot/checkpoint_metadata.hpp"
#include "snapshot/state_file.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sluice::apps {

/// A checkpoint or savepoint directory and its `_metadata` file.
struct checkpoint_location {
  std::filesystem::path dir;
  std::filesystem::path metadata_file;
};

/// Where the checkpoint named by `path` (its directory or its `_metadata`
/// file) lives. Throws sluice::exception(ec::io_error, "<path>: no such file
/// or directory") when `path` does not exist, (ec::io_error, "<path>: no
/// _metadata in this directory (not a checkpoint or savepoint, or one that
/// never completed)") for a directory without `_metadata`.
checkpoint_location locate_checkpoint(const std::filesystem::path& path);

/// Where state handle `h` of the checkpoint in `dir` lives on disk
/// (lexically normalised). Precondition: !h.is_inline().
std::filesystem::path state_file_path(const std::filesystem::path& dir, const state_handle& h);

/// How `inspect` names a handle: its relative path, or "(inline)".
std::string handle_name(const state_handle& h);

/// One keyed state of an operator after applying every subtask's files in
/// handle order (an incremental chain: base, then deltas; tombstones remove
/// keys). Entries are ordered by key group, then key bytes.
struct keyed_state_contents {
  keyed_state_meta meta;
  std::map<std::pair<uint32_t, std::string>, std::string> entries;
};

/// An operator list state: items per subtask, in file order.
struct list_state_contents {
  std::string name;
  std::vector<std::pair<uint32_t, std::string>> items; // (subtask, item)
};

/// In-flight batches of one direction (unaligned checkpoints).
struct channel_state_contents {
  channel_direction direction = channel_direction::input;
  struct batch {
    uint32_t subtask = 0;
    uint32_t channel = 0;
    uint64_t seq = 0;
    std::string bytes;
  };
  std::vector<batch> batches;
};

/// Everything one operator's subtasks snapshotted, by state name.
struct operator_state_contents {
  std::map<std::string, keyed_state_contents> keyed;
  std::map<std::string, list_state_contents> lists;
  std::vector<channel_state_contents> channels; // input first, only non-empty
};

/// Reads every state file of `op` (checkpoint directory `dir`) through
/// read_state_file, checking that each file belongs to `op.uid`. Throws
/// ec::corrupt_file "<file>: ..." (also when a file names another operator
/// or one state name appears with two kinds or fingerprints), ec::io_error
/// for a missing or unreadable file.
operator_state_contents load_operator_state(const std::filesystem::path& dir,
                                            const operator_snapshot& op);

} // namespace sluice::apps
