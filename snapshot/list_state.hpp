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

#include "snapshot/value_state.hpp"

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include <tsl/robin_map.h>

namespace sluice {

template <class T>
class list_state final : public keyed_state_base, public detail::key_group_tables<std::vector<T>> {
  using tables = detail::key_group_tables<std::vector<T>>;
  using tables::ctx_;
  using tables::current_key;
  using tables::current_map;
  using tables::groups_;
  using tables::size_;
  using tables::what_;

public:
  using tables::size_in_key_group;
  using value_type = T;
  using list_type = std::vector<T>;
  using map_type = tsl::robin_map<std::string, list_type, key_bytes_hash, std::equal_to<>>;

  /// The fingerprint stored with this state's entries.
  static uint64_t fingerprint() {
    static const uint64_t result = detail::kind_fingerprint("list", type_description<T>());
    return result;
  }

  /// Called by keyed_state_backend::get_state only.
  list_state(std::string name, const current_key_context& ctx)
    : keyed_state_base(std::move(name), typeid(list_state<T>), fingerprint(), state_kind::list),
      tables(ctx) {
  }

  using keyed_state_base::name;

  /// The current key's list (empty when unset). The reference is valid until
  /// the next call that changes this state, for any key.
  const list_type& get() const {
    const auto& map = current_map();
    auto it = map.find(current_key(), ctx_->hash);
    return it == map.end() ? empty_list() : it->second;
  }

  /// Whether the current key's list is empty.
  bool is_empty() const {
    const auto& map = current_map();
    return map.find(current_key(), ctx_->hash) == map.end();
  }

  /// Appends `v` to the current key's list.
  void add(T v) {
    auto& map = current_map();
    auto it = map.find(current_key(), ctx_->hash);
    if (it != map.end()) {
      it.value().push_back(std::move(v));
      return;
    }
    list_type list;
    list.push_back(std::move(v));
    map.emplace(ctx_->key, std::move(list));
    ++size_;
  }

  /// Appends every element of `vs`, in order (no-op when `vs` is empty).
  void add_all(list_type vs) {
    if (vs.empty())
      return;
    auto& map = current_map();
    auto it = map.find(current_key(), ctx_->hash);
    if (it != map.end()) {
      auto& list = it.value();
      list.insert(list.end(), std::make_move_iterator(vs.begin()),
                  std::make_move_iterator(vs.end()));
      return;
    }
    map.emplace(ctx_->key, std::move(vs));
    ++size_;
  }

  /// Replaces the current key's list by `vs` (an empty `vs` clears it).
  void update(list_type vs) {
    auto& map = current_map();
    auto it = map.find(current_key(), ctx_->hash);
    if (it != map.end()) {
      if (vs.empty()) {
        map.erase(it);
        --size_;
      } else {
        it.value() = std::move(vs);
      }
      return;
    }
    if (vs.empty())
      return;
    map.emplace(ctx_->key, std::move(vs));
    ++size_;
  }

  /// Removes the current key's list (no-op when unset).
  void clear() {
    if (current_map().erase(current_key(), ctx_->hash) > 0)
      --size_;
  }

  /// Keys with a non-empty list (= entries of a snapshot).
  size_t size() const noexcept override {
    return size_;
  }

  /// Calls f(std::string_view key_bytes, const std::vector<T>& list) for
  /// every key of `key_group`, in unspecified order; nothing for a key group
  /// outside the range. `f` must not modify this state.
  template <class F>
  void for_each_in_key_group(uint32_t key_group, F&& f) const {
    if (!ctx_->range.contains(key_group))
      return;
    for (const auto& [key, list] : groups_[key_group - ctx_->range.first])
      f(std::string_view{key}, list);
  }

  bool serializable() const noexcept override {
    return is_serializable_v<T>;
  }

  std::unique_ptr<const keyed_state_copy> copy_entries() const override {
    if constexpr (is_serializable_v<T>)
      return std::make_unique<const detail::keyed_entries_copy<map_type>>(ctx_->range.first,
                                                                          groups_, size_);
    else
      throw_not_serializable();
  }

  /// Replaces the key's list by the decoded one (an empty one removes it).
  void restore_entry(uint32_t key_group, std::string_view key, std::string_view value) override {
    assert(ctx_->range.contains(key_group));
    if constexpr (is_serializable_v<T>) {
      if (what_.empty())
        what_ = "keyed list state '" + name() + "'";
      auto decoded = decode_value<list_type>(value, what_);
      auto& map = groups_[key_group - ctx_->range.first];
      if (decoded.empty()) {
        size_ -= map.erase(key);
        return;
      }
      if (map.insert_or_assign(std::string{key}, std::move(decoded)).second)
        ++size_;
    } else {
      throw_not_serializable();
    }
  }

private:
  static const list_type& empty_list() noexcept {
    static const list_type empty;
    return empty;
  }

  [[noreturn]] void throw_not_serializable() const {
    throw exception(ec::not_serializable,
                    "keyed list state '" + name() + "' holds elements of type "
                      + type_description<T>()
                      + ", which CAF cannot serialize: give the type an inspect() overload");
  }

};

} // namespace sluice
