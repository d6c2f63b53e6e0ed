// Keyed state of one subtask of a keyed operator, in memory (Flink's
// KeyedStateBackend, heap flavour; LMDB, snapshots and TTL come later).
//
// Owned by the keyed operator (one per operator instance in a subtask) and
// used from the one actor that hosts it: not thread-safe. The operator sets
// the current key before each record (`set_current_key`), then reads and
// writes its states, which all follow that key.
//
// Errors: `get_state` throws sluice::exception(ec::state_type_mismatch) when a
// name is reused with another type. Other misuse (key group outside the
// range, state used before a key was set) is a programmer error (assert).
#pragma once

#include "snapshot/error.hpp"
#include "snapshot/key_groups.hpp"
#include "snapshot/state_descriptor.hpp"
#include "snapshot/value_state.hpp"

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <typeinfo>
#include <vector>

namespace sluice {

class keyed_state_backend {
public:
  /// `range`: the key groups owned by this subtask, usually
  /// key_group_range_for_operator(max_parallelism, parallelism, index); may be
  /// empty. Preconditions: 0 < max_parallelism <= upper_bound_max_parallelism;
  /// a non-empty range lies inside [0, max_parallelism).
  keyed_state_backend(uint32_t max_parallelism, key_group_range range);

  keyed_state_backend(const keyed_state_backend&) = delete;
  keyed_state_backend& operator=(const keyed_state_backend&) = delete;
  keyed_state_backend(keyed_state_backend&&) noexcept = default;
  keyed_state_backend& operator=(keyed_state_backend&&) noexcept = default;
  ~keyed_state_backend();

  /// Makes `key_bytes` (a key serialized with append_key_bytes) the current
  /// key of every state. Called by the keyed operator before each record.
  /// Precondition: range().contains(key_group) and key_group is the key group
  /// of key_bytes. Does not allocate once the buffer fits the longest key.
  void set_current_key(std::string_view key_bytes, uint32_t key_group);

  /// What keyed operators call per record: serializes `key` into the reused
  /// buffer (no copy, no allocation once it fits), hashes it once for the key
  /// group and the tables, and makes it current. Returns false, leaving no
  /// current key, when the key's group is outside range() (a routing bug the
  /// caller reports; `current_key_group()` tells which group it was).
  template <class K>
  bool set_current_key_of(const K& key) {
    ctx_->key.clear();
    append_key_bytes(ctx_->key, key);
    auto murmur = murmur3_32(ctx_->key.data(), ctx_->key.size(), 0);
    ctx_->key_group = assign_key_group(fold_key_hash(murmur), max_parallelism_);
    ctx_->hash = table_hash(murmur);
    ctx_->has_key = ctx_->range.contains(ctx_->key_group);
    return ctx_->has_key;
  }

  /// Serialized bytes of the current key (empty before the first key); valid
  /// until the next set_current_key.
  std::string_view current_key() const noexcept {
    return ctx_->key;
  }

  uint32_t current_key_group() const noexcept {
    return ctx_->key_group;
  }

  /// The state named by `desc`, registering it on first use. The same name and
  /// type always return the same object (stable address for the backend's
  /// lifetime). Throws sluice::exception(ec::state_type_mismatch) naming the
  /// state and both types when `desc.name` is registered with another type.
  template <class T>
  value_state<T>& get_state(const value_state_descriptor<T>& desc) {
    if (auto* existing = find_state(desc.name)) {
      if (existing->state_type() != typeid(value_state<T>))
        throw_type_mismatch(*existing, typeid(value_state<T>));
      return static_cast<value_state<T>&>(*existing);
    }
    auto state = std::make_unique<value_state<T>>(desc.name, *ctx_);
    auto& result = *state;
    states_.push_back(std::move(state));
    return result;
  }

  /// Number of registered states.
  size_t num_states() const noexcept {
    return states_.size();
  }

  uint32_t max_parallelism() const noexcept {
    return max_parallelism_;
  }

  key_group_range range() const noexcept {
    return ctx_->range;
  }

private:
  /// The registered state named `name`, or nullptr. Linear: an operator has
  /// a handful of states and looks them up once, not per record.
  keyed_state_base* find_state(std::string_view name) const noexcept;

  [[noreturn]] static void throw_type_mismatch(const keyed_state_base& existing,
                                               const std::type_info& requested);

  uint32_t max_parallelism_;
  std::unique_ptr<current_key_context> ctx_; // shared with the states
  std::vector<std::unique_ptr<keyed_state_base>> states_; // registration order
};

} // namespace sluice
