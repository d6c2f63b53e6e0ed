// `sluice inspect PATH [--dump UID/STATE]`: what a retained checkpoint or
// savepoint holds (Flink's State Processor API, read side, for humans).
//
// inspect_checkpoint reads `_metadata` and every state file it references
// (apps/cli/checkpoint_state.hpp) into a summary: per operator its uid,
// parallelism and max parallelism, per state its kind, type, number of keys
// (keyed state, after applying incremental chains) or items (operator list
// state) or batches (channel state) and their bytes, per subtask its files
// and key group ranges. format_inspection renders it; dump_state prints the
// entries of one state as JSON lines (apps/cli/state_json.hpp).
//
// Operator list state is shown as "operator list": whether a state is split
// or union (or broadcast) on restore is decided by the operator's code and
// not recorded in the snapshot. Channel state appears as the pseudo states
// "channel:input" and "channel:output".
//
// Errors: sluice::exception (ec::io_error, ec::corrupt_file naming the file;
// ec::invalid_argument for an unknown UID or STATE, naming what exists).
// Blocking file I/O; thread-safe.
#pragma once

#include "apps/cli/checkpoint_state.hpp"

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace sluice::apps {

struct state_summary {
  std::string name;
  /// "value", "list", "map", "reducing", "aggregating", "operator list",
  /// "channel".
  std::string kind;
  /// The value type (state_json.hpp), "bytes" for list items and batches.
  std::string type;
  /// Keys (keyed), items (operator list) or batches (channel).
  uint64_t entries = 0;
  /// Bytes of keys and values, items or batches.
  uint64_t bytes = 0;
};

struct subtask_file {
  std::string name; // handle_name
  uint64_t size = 0;
  key_group_range key_groups = key_group_range::empty_range();
};

struct subtask_summary {
  uint32_t index = 0;
  std::vector<subtask_file> files;
};

struct operator_summary {
  std::string uid;
  uint32_t parallelism = 1;
  uint32_t max_parallelism = 0;
  std::vector<state_summary> states; // keyed, then operator list, then channel
  std::vector<subtask_summary> subtasks;
};

struct checkpoint_summary {
  checkpoint_location location;
  std::string job_id;
  uint64_t checkpoint_id = 0;
  int64_t timestamp_ms = 0;
  bool is_savepoint = false;
  std::vector<operator_summary> operators;
};

/// The summary of one operator's snapshot and its loaded state.
operator_summary summarize_operator(const operator_snapshot& op,
                                    const operator_state_contents& state);

/// Reads the checkpoint at `path` (directory or `_metadata`) and every state
/// file it references.
checkpoint_summary inspect_checkpoint(const std::filesystem::path& path);

/// The human-readable report: a header (path, job id, checkpoint id, time,
/// kind), then per operator a table of states and a line per subtask file.
std::string format_inspection(const checkpoint_summary& s);

/// Prints the entries of state `uid_state` ("UID/STATE"; the operator uid
/// is the longest uid that matches a prefix followed by '/') of the
/// checkpoint at `path` to `out`, one JSON object per line. Returns the
/// number of lines. Throws ec::invalid_argument "no operator 'X' in PATH;
/// operators: a, b" / "operator 'X' has no state 'Y'; states: a, b".
uint64_t dump_state(const std::filesystem::path& path, const std::string& uid_state,
                    std::ostream& out);

} // namespace sluice::apps
