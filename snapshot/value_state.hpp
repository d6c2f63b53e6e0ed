// Keyed value state: one optional `T` per key, bound to the backend's current
// key (Flink's ValueState).
//
// Obtained only from `keyed_state_backend::get_state`, which owns it; the
// reference stays valid as long as the backend lives (also across moves of
// the backend). Not thread-safe: used by the one subtask actor that owns the
// backend. Every accessor reads or writes the entry of the current key, which
// the keyed operator sets with `keyed_state_backend::set_current_key` before
// each record; using a state before any key was set is a programmer error
// (assert).
//
// Storage is the backend's table (state_table.hpp): in memory, one hash map
// per key group with copy-on-write snapshots, or LMDB behind a write-back
// cache; either way one lookup per access.
//
// Snapshot encoding (state_kind::value): one entry per key, value =
// encode_value(T). Fingerprint: type_fingerprint<T>(). Needs
// is_serializable_v<T>; a state of another T works in memory and refuses
// snapshot and restore with ec::not_serializable (the lmdb backend refuses
// it at registration).
#pragma once

#include "snapshot/keyed_state_base.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <typeinfo>
#include <utility>

namespace sluice {

template <class T>
class value_state final : public keyed_state_on<T> {
  using base = keyed_state_on<T>;
  using base::table;

public:
  using value_type = T;
  using codec = plain_codec<T>;
  using stored_type = T;

  /// The fingerprint stored with this state's entries.
  static uint64_t fingerprint() {
    return sluice::type_fingerprint<T>();
  }

  /// Called by keyed_state_backend::get_state only.
  value_state(std::string name, uint64_t fingerprint, std::unique_ptr<state_table<T>> table)
    : base(name, typeid(value_state<T>), fingerprint, state_kind::value, std::move(table),
           "keyed state '" + name + "'", codec::serializable,
           codec::serializable ? std::string{}
                               : detail::unserializable_message(
                                 "keyed state '" + name + "'",
                                 "holds values of type " + type_description<T>())) {
  }

  /// The current key's value; nullopt when unset.
  std::optional<T> value() const {
    if (const T* v = table().find())
      return *v;
    return std::nullopt;
  }

  /// The current key's value, or `fallback` when unset.
  T value_or(T fallback) const {
    if (const T* v = table().find())
      return *v;
    return fallback;
  }

  /// Sets the current key's value. Allocates only for a key new to the state.
  void update(T v) {
    if (T* p = table().find_for_update())
      *p = std::move(v);
    else
      table().insert(std::move(v));
  }

  /// The current key's value for reading (no copy, not marked changed), or
  /// nullptr when unset. Valid until this state changes or the batch ends.
  const T* peek() const {
    return table().find();
  }

  /// The current key's value for an in-place update (one lookup instead of
  /// `value` + `update`), or nullptr when unset. Valid until the next entry
  /// is added to this state or the batch ends.
  T* find() {
    return table().find_for_update();
  }

  /// Sets the value of the current key, which must be unset (`find()`
  /// returned nullptr), and returns it.
  T& emplace(T v) {
    return table().insert(std::move(v));
  }

  /// Removes the current key's entry (no-op when unset).
  void clear() {
    table().erase();
  }
};

} // namespace sluice
