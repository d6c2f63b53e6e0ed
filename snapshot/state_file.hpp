// Vocabulary of state files, shared by state_file_writer.hpp and
// state_file_reader.hpp.
//
// A state file holds what one subtask of one operator snapshotted in one
// checkpoint, in three sections: keyed state (per state, grouped by key
// group, so a restore at another parallelism takes whole key groups), operator
// list state (per state, a list of items) and channel state (per channel and
// direction, the in-flight batches of an unaligned checkpoint). The keyed
// section of an incremental checkpoint's delta file may also hold tombstones
// (keys deleted since the file it builds on; empty value). Keys, values,
// items and batches are opaque bytes here: the state backend and the channels
// serialize them. Schema: StateFileChunk in snapshot/schema/snapshot.capnp.
#pragma once

#include "snapshot/key_groups.hpp"

#include <cstdint>
#include <string>

namespace sluice {

/// Which subtask of which operator wrote a state file. Every chunk of the
/// file repeats it; readers check that they agree.
struct state_file_info {
  std::string operator_uid;
  uint32_t subtask = 0;
  /// The operator's max parallelism (number of key groups), 1..32768.
  uint32_t max_parallelism = default_max_parallelism;
  /// The key groups the subtask owned; every keyed entry lies inside. Empty
  /// for an operator without keyed state.
  key_group_range key_groups = key_group_range::empty_range();

  friend bool operator==(const state_file_info&, const state_file_info&) = default;
};

/// Mirrors schema::StateKind.
enum class state_kind : uint8_t { value = 0, list = 1, map = 2 };

/// Mirrors schema::ChannelDirection.
enum class channel_direction : uint8_t { input = 0, output = 1 };

/// One named keyed state of an operator. `type_fingerprint` identifies the
/// value type and its serializer (restore compares it with the registered
/// descriptor and fails with ec::state_type_mismatch on a difference).
struct keyed_state_meta {
  std::string name;
  uint64_t type_fingerprint = 0;
  state_kind kind = state_kind::value;

  friend bool operator==(const keyed_state_meta&, const keyed_state_meta&) = default;
};

/// Every key group there can be: the default filter of the readers.
inline constexpr key_group_range all_key_groups{0, upper_bound_max_parallelism - 1};

} // namespace sluice
