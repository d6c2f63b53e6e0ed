// Keyed reducing state: per key one `T`, the reduction of every value added
// for that key (Flink's ReducingState).
//
// Ownership, threading and the current key work as for value_state (see
// value_state.hpp): obtained only from keyed_state_backend::get_state, valid
// as long as the backend lives, used by the one actor that owns the backend,
// every call works on the value of the current key (one table lookup with
// the precomputed hash). The reduce function comes from the descriptor that
// first registered the name; `add` calls it on the owning actor.
//
// Snapshot encoding (state_kind::value): one entry per key, value =
// encode_value(T) of the reduced value. Fingerprint:
// reducing_state<T>::fingerprint() ("reducing" mixed with T's description),
// so it restores neither into a value state of T nor into an aggregating
// state. Needs is_serializable_v<T>; otherwise the state works in memory and
// refuses snapshot and restore with ec::not_serializable.
#pragma once

#include "snapshot/keyed_state_base.hpp"
#include "snapshot/state_descriptor.hpp"

#include <cassert>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <typeinfo>
#include <utility>

namespace sluice {

template <class T>
class reducing_state final : public keyed_state_on<T> {
  using base = keyed_state_on<T>;
  using base::table;

public:
  using value_type = T;
  using codec = plain_codec<T>;
  using stored_type = T;
  using reduce_function = typename reducing_state_descriptor<T>::reduce_function;

  /// The fingerprint stored with this state's entries.
  static uint64_t fingerprint() {
    static const uint64_t result = detail::kind_fingerprint("reducing", type_description<T>());
    return result;
  }

  /// Called by keyed_state_backend::get_state only. Precondition: `reduce`
  /// is callable.
  reducing_state(std::string name, uint64_t fingerprint, std::unique_ptr<state_table<T>> table,
                 reduce_function reduce)
    : base(name, typeid(reducing_state<T>), fingerprint, state_kind::value, std::move(table),
           "keyed reducing state '" + name + "'", codec::serializable,
           codec::serializable ? std::string{}
                               : detail::unserializable_message(
                                 "keyed reducing state '" + name + "'",
                                 "holds values of type " + type_description<T>())),
      reduce_(std::move(reduce)) {
    assert(reduce_);
  }

  /// The current key's reduced value; nullopt when nothing was added since
  /// the last clear.
  std::optional<T> get() const {
    if (const T* v = table().find())
      return *v;
    return std::nullopt;
  }

  /// Stores reduce(current, v), or `v` for a key without a value. If the
  /// reduce function throws, the value is unchanged.
  void add(T v) {
    if (T* p = table().find_for_update())
      *p = reduce_(*p, v);
    else
      table().insert(std::move(v));
  }

  /// Removes the current key's value (no-op when unset).
  void clear() {
    table().erase();
  }

private:
  reduce_function reduce_;
};

} // namespace sluice
