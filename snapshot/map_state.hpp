// Keyed map state: one map UK -> UV per key, bound to the backend's current
// key (Flink's MapState).
//
// Ownership, threading and the current key work as for value_state (see
// value_state.hpp): obtained only from keyed_state_backend::get_state, valid
// as long as the backend lives, used by the one actor that owns the backend,
// every call works on the map of the current key (one lookup of the key with
// the precomputed hash, then one lookup of the user key in its map).
//
// An empty map and no map are the same: a key's entry exists only while its
// map has mappings (removing the last one removes it), so `size()` counts
// keys with a non-empty map. Iteration order (entries/keys/values) is
// unspecified, as in Flink.
//
// Snapshot encoding (state_kind::map): one entry per key, value =
// encode_value(std::vector<std::pair<UK, UV>>) of the key's whole map, in
// unspecified order (byte-identical to encoding a std::map<UK, UV> of the
// same mappings when sorted; decoding accepts any order, a repeated user key
// keeps its last value). Fingerprint: map_state<UK, UV>::fingerprint()
// ("map" mixed with the description of pair<UK, UV>). Needs UK and UV
// serializable; otherwise the state works in memory and refuses snapshot
// and restore with ec::not_serializable.
#pragma once

#include "snapshot/value_state.hpp"

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <ranges>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include <tsl/robin_map.h>

namespace sluice {

template <class UK, class UV>
class map_state final : public keyed_state_base, public detail::key_group_tables<tsl::robin_map<UK, UV>> {
  using tables = detail::key_group_tables<tsl::robin_map<UK, UV>>;
  using tables::ctx_;
  using tables::current_key;
  using tables::current_map;
  using tables::groups_;
  using tables::size_;
  using tables::what_;

public:
  using tables::size_in_key_group;
  using user_key_type = UK;
  using user_value_type = UV;
  /// The mappings of one key.
  using user_map_type = tsl::robin_map<UK, UV>;
  using map_type = tsl::robin_map<std::string, user_map_type, key_bytes_hash, std::equal_to<>>;
  /// What a snapshot entry encodes.
  using encoded_type = std::vector<std::pair<UK, UV>>;

  /// The fingerprint stored with this state's entries.
  static uint64_t fingerprint() {
    static const uint64_t result
      = detail::kind_fingerprint("map", type_description<std::pair<UK, UV>>());
    return result;
  }

  /// Called by keyed_state_backend::get_state only.
  map_state(std::string name, const current_key_context& ctx)
    : keyed_state_base(std::move(name), typeid(map_state<UK, UV>), fingerprint(),
                       state_kind::map),
      tables(ctx) {
  }

  using keyed_state_base::name;

  /// The value of `uk` for the current key, or nullptr. The pointer is
  /// valid until the next change of this state; writing through it changes
  /// the state.
  UV* get(const UK& uk) {
    auto* m = find_user_map();
    if (m == nullptr)
      return nullptr;
    auto it = m->find(uk);
    return it == m->end() ? nullptr : &it.value();
  }

  const UV* get(const UK& uk) const {
    const auto* m = find_user_map();
    if (m == nullptr)
      return nullptr;
    auto it = m->find(uk);
    return it == m->end() ? nullptr : &it->second;
  }

  /// Whether the current key maps `uk`.
  bool contains(const UK& uk) const {
    const auto* m = find_user_map();
    return m != nullptr && m->find(uk) != m->end();
  }

  /// Maps `uk` to `uv` for the current key, replacing any value.
  void put(UK uk, UV uv) {
    user_map().insert_or_assign(std::move(uk), std::move(uv));
  }

  /// Puts every (uk, uv) pair of `mappings` (a std::map, a vector of pairs,
  /// another map_state's entries(), ...); later pairs win. No-op when empty.
  template <class Range>
  void put_all(const Range& mappings) {
    if (std::ranges::empty(mappings))
      return;
    auto& m = user_map();
    for (const auto& [uk, uv] : mappings)
      m.insert_or_assign(uk, uv);
  }

  /// Removes the mapping of `uk` for the current key; whether there was one.
  bool remove(const UK& uk) {
    auto& map = current_map();
    auto it = map.find(current_key(), ctx_->hash);
    if (it == map.end() || it.value().erase(uk) == 0)
      return false;
    if (it->second.empty()) {
      map.erase(it);
      --size_;
    }
    return true;
  }

  /// Whether the current key has no mappings.
  bool is_empty() const {
    return find_user_map() == nullptr;
  }

  /// Number of mappings of the current key.
  size_t count() const {
    const auto* m = find_user_map();
    return m == nullptr ? 0 : m->size();
  }

  /// The current key's mappings: iterate `for (const auto& [uk, uv] :
  /// s.entries())`. Valid until the next change of this state.
  const user_map_type& entries() const {
    const auto* m = find_user_map();
    return m == nullptr ? empty_map() : *m;
  }

  /// Views of the current key's user keys and values (std::views over
  /// entries(), same validity).
  auto keys() const {
    return std::views::keys(entries());
  }

  auto values() const {
    return std::views::values(entries());
  }

  /// Removes every mapping of the current key.
  void clear() {
    if (current_map().erase(current_key(), ctx_->hash) > 0)
      --size_;
  }

  /// Keys with a non-empty map (= entries of a snapshot).
  size_t size() const noexcept override {
    return size_;
  }

  /// Calls f(std::string_view key_bytes, const user_map_type& mappings) for
  /// every key of `key_group`, in unspecified order; nothing for a key group
  /// outside the range. `f` must not modify this state.
  template <class F>
  void for_each_in_key_group(uint32_t key_group, F&& f) const {
    if (!ctx_->range.contains(key_group))
      return;
    for (const auto& [key, mappings] : groups_[key_group - ctx_->range.first])
      f(std::string_view{key}, mappings);
  }

  bool serializable() const noexcept override {
    return is_serializable_v<UK> && is_serializable_v<UV>;
  }

  std::unique_ptr<const keyed_state_copy> copy_entries() const override {
    if constexpr (is_serializable_v<UK> && is_serializable_v<UV>)
      return std::make_unique<const detail::keyed_entries_copy<map_type, encode_mappings>>(
        ctx_->range.first, groups_, size_);
    else
      throw_not_serializable();
  }

  /// Replaces the key's map by the decoded one (an empty one removes it).
  void restore_entry(uint32_t key_group, std::string_view key, std::string_view value) override {
    assert(ctx_->range.contains(key_group));
    if constexpr (is_serializable_v<UK> && is_serializable_v<UV>) {
      if (what_.empty())
        what_ = "keyed map state '" + name() + "'";
      auto decoded = decode_value<encoded_type>(value, what_);
      auto& map = groups_[key_group - ctx_->range.first];
      if (decoded.empty()) {
        size_ -= map.erase(key);
        return;
      }
      user_map_type mappings;
      mappings.reserve(decoded.size());
      for (auto& [uk, uv] : decoded)
        mappings.insert_or_assign(std::move(uk), std::move(uv));
      if (map.insert_or_assign(std::string{key}, std::move(mappings)).second)
        ++size_;
    } else {
      throw_not_serializable();
    }
  }

private:
  /// Encodes one key's mappings as encoded_type.
  struct encode_mappings {
    void operator()(const user_map_type& mappings, std::string& out) const {
      encoded_type pairs(mappings.begin(), mappings.end());
      encode_value(pairs, out);
    }
  };

  static const user_map_type& empty_map() {
    static const user_map_type empty;
    return empty;
  }

  /// The current key's map, or nullptr when it has none.
  const user_map_type* find_user_map() const {
    const auto& map = current_map();
    auto it = map.find(current_key(), ctx_->hash);
    return it == map.end() ? nullptr : &it->second;
  }

  user_map_type* find_user_map() {
    auto& map = current_map();
    auto it = map.find(current_key(), ctx_->hash);
    return it == map.end() ? nullptr : &it.value();
  }

  /// The current key's map, created empty when it has none. Callers must
  /// leave it non-empty.
  user_map_type& user_map() {
    auto& map = current_map();
    auto it = map.find(current_key(), ctx_->hash);
    if (it != map.end())
      return it.value();
    ++size_;
    return map.emplace(ctx_->key, user_map_type{}).first.value();
  }

  [[noreturn]] void throw_not_serializable() const {
    throw exception(ec::not_serializable,
                    "keyed map state '" + name() + "' maps " + type_description<UK>() + " to "
                      + type_description<UV>()
                      + ", which CAF cannot serialize: give the types an inspect() overload");
  }

};

} // namespace sluice
