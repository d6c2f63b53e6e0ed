// Writes a state file (see state_file.hpp) to disk or to memory, cutting it
// into Cap'n Proto messages (chunks) of about snapshot_format::
// chunk_target_bytes, so no message comes near the readers' traversal limit
// however large the state.
//
// Used by the asynchronous part of a subtask snapshot (off the actor), one
// thread at a time. Items are copied when added; callers may reuse their
// buffers right away. Memory use is about one chunk.
//
// Example:
//   auto w = state_file_writer::to_file(dir / "counts-0.state",
//                                       {"counts", 0, 128, {0, 63}});
//   keyed_state_meta counts{"count", fingerprint, state_kind::value};
//   w.add_keyed_entry(counts, 7, key_bytes, value_bytes);   // any number
//   w.add_keyed_tombstone(counts, 7, gone_key_bytes);        // incremental only
//   w.add_operator_list_item("offsets", offset_bytes);
//   w.add_channel_batch(channel_direction::input, 2, 41, batch_bytes);
//   uint64_t size = w.finish();                             // fsynced
#pragma once

#include "snapshot/snapshot_file.hpp"
#include "snapshot/state_file.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace sluice {

class state_file_writer {
public:
  /// Creates (truncates) the file at `path`; ec::io_error when impossible or
  /// when `info` is invalid (empty operator uid, max parallelism not in
  /// 1..32768, key groups beyond it). `chunk_target`:
  /// bytes after which a new chunk starts (smaller values only for tests;
  /// any value gives a valid file).
  static state_file_writer to_file(const std::filesystem::path& path, state_file_info info,
                                   size_t chunk_target = snapshot_format::chunk_target_bytes);

  /// Writes into memory (memory storage); `name` appears in error messages.
  static state_file_writer to_memory(std::string name, state_file_info info,
                                     size_t chunk_target = snapshot_format::chunk_target_bytes);

  state_file_writer(state_file_writer&&) noexcept;
  state_file_writer& operator=(state_file_writer&&) noexcept;
  ~state_file_writer();

  /// Adds one entry of keyed state `state` in `key_group`. Entries of one
  /// state and key group belong together: add them one after the other for
  /// the most compact file (any order is read back correctly). Throws
  /// ec::io_error when `key_group` lies outside info().key_groups (a bug of
  /// the caller, checked in every build so that no checkpoint holds a file
  /// its restore would reject), when key + value exceed
  /// snapshot_format::max_item_bytes, or when writing fails.
  void add_keyed_entry(const keyed_state_meta& state, uint32_t key_group,
                       std::string_view key, std::string_view value);

  /// Records that `key` of keyed state `state` in `key_group` was deleted
  /// since the checkpoint this file builds on (an incremental checkpoint's
  /// delta file; a full checkpoint has nothing to delete and writes none).
  /// Restore applies the base file, then each delta in order; a tombstone
  /// removes the key. Staged like add_keyed_entry, in the same per-state,
  /// per-key-group sequence, so entries and tombstones of one key group keep
  /// their relative order (a later entry of the same key re-creates it).
  /// Same checks and errors as add_keyed_entry (the limit applies to the key
  /// alone). Readers report it as keyed_entry::deleted with an empty value.
  void add_keyed_tombstone(const keyed_state_meta& state, uint32_t key_group,
                           std::string_view key);

  /// Appends `item` to operator list state `state_name` (items of one state
  /// keep their order). Throws like add_keyed_entry.
  void add_operator_list_item(std::string_view state_name, std::string_view item);

  /// Appends the serialized batch `seq` of a channel (batches of a channel
  /// keep their order; consecutive seqs are stored as one run). Throws like
  /// add_keyed_entry.
  void add_channel_batch(channel_direction direction, uint32_t channel, uint64_t seq,
                         std::string_view batch);

  /// Writes the last chunk (a file without any item still gets one, holding
  /// `info`) and the header; a file writer fsyncs and closes its file.
  /// Returns the size in bytes. Call once. Destroying an unfinished writer
  /// removes its file.
  uint64_t finish();

  /// The complete file image of a memory writer, after finish().
  std::string take_bytes();

  const state_file_info& info() const noexcept;

private:
  struct impl;
  explicit state_file_writer(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace sluice
