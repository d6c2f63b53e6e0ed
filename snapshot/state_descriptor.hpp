// Descriptors name a piece of keyed state and fix its value type, like
// Flink's ValueStateDescriptor.
//
// An operator creates a descriptor once (usually in its open/initialize hook)
// and passes it to `keyed_state_backend::get_state`. The name identifies the
// state inside one operator: it is the key under which the state is stored in
// snapshots, so it must stay the same across versions of a job. Registering
// the same name with another value type fails with ec::state_type_mismatch.
#pragma once

#include <string>
#include <utility>

namespace sluice {

/// Names a keyed value state holding one `T` per key. `T` must be copyable
/// and movable (values are returned by copy).
template <class T>
struct value_state_descriptor {
  using value_type = T;

  std::string name;

  explicit value_state_descriptor(std::string state_name) : name(std::move(state_name)) {
  }
};

} // namespace sluice
