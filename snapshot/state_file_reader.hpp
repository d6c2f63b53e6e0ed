// Reads a state file (see state_file.hpp) from disk or memory.
//
// The file is validated before anything is handed out (header, length,
// CRC32C; see snapshot_file.hpp), then each chunk is checked while it is
// read: every chunk names the same operator, subtask, max parallelism and key
// group range; key groups lie inside that range; kinds and directions are
// known; a tombstone carries no value. Every problem is a
// sluice::exception(ec::corrupt_file, "<file>: <what is wrong>"); an
// unreadable file is ec::io_error. If a problem shows
// up in a later chunk, the visitor has already seen the entries of earlier
// chunks: the call still throws, and the caller discards what it built.
//
// Incremental checkpoints: a delta file may hold tombstones (keys deleted
// since the file it builds on; see Entry.deleted in the schema). They reach
// on_keyed_tombstone, or keyed_entry::deleted with load_state_*; a restore
// applies the base file and then each delta in order. Files without
// tombstones (all full checkpoints, all files written before tombstones
// existed) read exactly as before.
//
// Restore at another parallelism: pass the new subtask's key group range as
// `wanted`; entries of other key groups are skipped (each file is read in
// full anyway: pick the files whose range overlaps first, see
// checkpoint_metadata.hpp).
//
// Blocking (reads files): call from restore/snapshot workers, not from a
// CAF scheduler thread. Thread-safe: no shared state. Memory: a file is read
// whole (it holds one subtask's state of one checkpoint; chunking bounds
// Cap'n Proto's work per message, not the file size).
//
// Example:
//   struct restorer : state_file_visitor {
//     void on_keyed_entry(const keyed_state_meta& s, uint32_t kg,
//                         std::string_view key, std::string_view value) override {...}
//   } r;
//   auto info = read_state_file(chk_dir / handle.relative_path, r, new_range);
#pragma once

#include "snapshot/state_file.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

/// Receives the content of a state file, chunk by chunk. Views are valid
/// only during the call. Default implementations ignore the item. A visitor
/// may throw (e.g. ec::state_type_mismatch): the exception passes through.
class state_file_visitor {
public:
  virtual ~state_file_visitor() = default;

  /// Once, before anything else.
  virtual void on_file_info(const state_file_info& info);

  /// One keyed entry; entries of one state and key group arrive in the
  /// order they were written, possibly split over several chunks.
  virtual void on_keyed_entry(const keyed_state_meta& state, uint32_t key_group,
                              std::string_view key, std::string_view value);

  /// One tombstone: `key` was deleted since the file this one builds on. It
  /// arrives in written order among the entries of its state and key group
  /// (same filtering by `wanted`). The default ignores it like every item: a
  /// visitor that applies delta files of an incremental checkpoint must
  /// override it, or deleted keys survive the restore.
  virtual void on_keyed_tombstone(const keyed_state_meta& state, uint32_t key_group,
                                  std::string_view key);

  /// One item of an operator list state, in order.
  virtual void on_operator_list_item(std::string_view state_name, std::string_view item);

  /// One in-flight batch of a channel, in order of `seq`.
  virtual void on_channel_batch(channel_direction direction, uint32_t channel, uint64_t seq,
                                std::string_view batch);
};

/// Reads the state file at `path`, handing keyed entries of key groups in
/// `wanted` (and all operator list and channel state) to `visitor`. Returns
/// the file's info.
state_file_info read_state_file(const std::filesystem::path& path, state_file_visitor& visitor,
                                key_group_range wanted = all_key_groups);

/// Same for a file image in memory (memory storage, inline state handle);
/// `name` names it in errors.
state_file_info read_state_bytes(std::string_view bytes, std::string_view name,
                                 state_file_visitor& visitor,
                                 key_group_range wanted = all_key_groups);

// --- everything at once (tests, `sluice inspect`, small state) -------------

/// An entry, or with `deleted` a tombstone (then `value` is empty). Code
/// that applies `keyed` must check `deleted`: a tombstone removes the key,
/// it is not an entry with an empty value.
struct keyed_entry {
  keyed_state_meta state;
  uint32_t key_group = 0;
  std::string key;
  std::string value;
  bool deleted = false;
  friend bool operator==(const keyed_entry&, const keyed_entry&) = default;
};

struct operator_list_item {
  std::string state;
  std::string item;
  friend bool operator==(const operator_list_item&, const operator_list_item&) = default;
};

struct channel_batch {
  channel_direction direction = channel_direction::input;
  uint32_t channel = 0;
  uint64_t seq = 0;
  std::string bytes;
  friend bool operator==(const channel_batch&, const channel_batch&) = default;
};

struct state_file_contents {
  state_file_info info;
  std::vector<keyed_entry> keyed;                 // in file order, tombstones too
  std::vector<operator_list_item> operator_lists; // in file order
  std::vector<channel_batch> channel_batches;     // in file order
};

/// Reads a whole state file into memory. Throws like read_state_file.
state_file_contents load_state_file(const std::filesystem::path& path,
                                    key_group_range wanted = all_key_groups);

state_file_contents load_state_bytes(std::string_view bytes, std::string_view name,
                                     key_group_range wanted = all_key_groups);

} // namespace sluice
