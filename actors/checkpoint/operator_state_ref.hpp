// Where one operator's part of a subtask snapshot lives: what a subtask's
// ack carries per operator with state (ack_msg::states) and what the
// coordinator keeps of it until the checkpoint's `_metadata` is written
// (subtask_ack::states). Plain data, no CAF; its inspect overload is in
// actors/contract/messages.hpp.
#pragma once

#include <cstdint>
#include <string>

#include "snapshot/checkpoint_metadata.hpp"

namespace sluice {

struct operator_state_ref {
  /// The operator's uid (savepoints map state by it).
  std::string uid;
  uint32_t parallelism = 1;
  uint32_t max_parallelism = 1;
  /// The state file (or inline bytes) of this operator's subtask.
  state_handle handle;
};

} // namespace sluice
