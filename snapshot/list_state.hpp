// Keyed list state: one std::vector<T> per key, bound to the backend's
// current key (Flink's ListState).
//
// Ownership, threading and the current key work as for value_state (see
// value_state.hpp): obtained only from keyed_state_backend::get_state, valid
// as long as the backend lives, used by the one actor that owns the backend,
// every call reads or writes the list of the current key (one table lookup
// with the precomputed hash).
//
// An empty list and no list are the same: a key's entry exists only while
// its list has elements (`update({})` and `clear()` remove it), so `size()`
// counts keys with a non-empty list.
//
// Snapshot encoding (state_kind::list): one entry per key, value =
// encode_value(std::vector<T>) of the key's whole list. Fingerprint:
// list_state<T>::fingerprint() ("list" mixed with T's description), so a
// list state of T and a value state of std::vector<T> never restore into
// each other. Needs is_serializable_v<T>; a list of another T works in
// memory and refuses snapshot and restore with ec::not_serializable.
#pragma once
#pragma once

#include "snapshot/keyed_state_base.hpp"

#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

namespace sluice {

template <class T>
class list_state final : public keyed_state_on<std::vector<T>> {
  using base = keyed_state_on<std::vector<T>>;
  using base::table;

public:
  using value_type = T;
  using list_type = std::vector<T>;
  using codec = plain_codec<list_type, true>;
  using stored_type = list_type;

  /// The fingerprint stored with this state's entries.
  static uint64_t fingerprint() {
    static const uint64_t result = detail::kind_fingerprint("list", type_description<T>());
    return result;
  }

  /// Called by keyed_state_backend::get_state only.
  list_state(std::string name, uint64_t fingerprint, std::unique_ptr<state_table<list_type>> table)
    : base(name, typeid(list_state<T>), fingerprint, state_kind::list, std::move(table),
           "keyed list state '" + name + "'", codec::serializable,
           codec::serializable ? std::string{}
                               : detail::unserializable_message(
                                 "keyed list state '" + name + "'",
                                 "holds elements of type " + type_description<T>())) {
  }

  /// The current key's list (empty when unset). The reference is valid until
  /// the next call that changes this state, for any key.
  const list_type& get() const {
    const list_type* list = table().find();
    return list == nullptr ? empty_list() : *list;
  }

  /// Whether the current key's list is empty.
  bool is_empty() const {
    return table().find() == nullptr;
  }

  /// Appends `v` to the current key's list.
  void add(T v) {
    if (list_type* list = table().find_for_update()) {
      list->push_back(std::move(v));
      return;
    }
    list_type list;
    list.push_back(std::move(v));
    table().insert(std::move(list));
  }

  /// Appends every element of `vs`, in order (no-op when `vs` is empty).
  void add_all(list_type vs) {
    if (vs.empty())
      return;
    if (list_type* list = table().find_for_update()) {
      list->insert(list->end(), std::make_move_iterator(vs.begin()),
                   std::make_move_iterator(vs.end()));
      return;
    }
    table().insert(std::move(vs));
  }

  /// Replaces the current key's list by `vs` (an empty `vs` clears it).
  void update(list_type vs) {
    if (vs.empty()) {
      table().erase();
      return;
    }
    if (list_type* list = table().find_for_update())
      *list = std::move(vs);
    else
      table().insert(std::move(vs));
  }

  /// Removes the current key's list (no-op when unset).
  void clear() {
    table().erase();
  }

private:
  static const list_type& empty_list() noexcept {
    static const list_type empty;
    return empty;
  }
};

} // namespace sluice
