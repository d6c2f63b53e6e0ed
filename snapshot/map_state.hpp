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

#pragma once

#include "snapshot/keyed_state_base.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <ranges>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include <tsl/robin_map.h>

namespace sluice {

/// The codec of map state: a key's mappings as a vector of pairs.
template <class UK, class UV>
struct map_codec {
  using user_map_type = tsl::robin_map<UK, UV>;
  using encoded_type = std::vector<std::pair<UK, UV>>;

  static constexpr bool serializable = is_serializable_v<UK> && is_serializable_v<UV>;

  static void encode(const user_map_type& mappings, std::string& out) {
    encoded_type pairs(mappings.begin(), mappings.end());
    encode_value(pairs, out);
  }

  static user_map_type decode(std::string_view bytes, const std::string& what) {
    auto pairs = decode_value<encoded_type>(bytes, what);
    user_map_type mappings;
    mappings.reserve(pairs.size());
    for (auto& [uk, uv] : pairs)
      mappings.insert_or_assign(std::move(uk), std::move(uv));
    return mappings;
  }

  static bool empty(const user_map_type& mappings) {
    return mappings.empty();
  }
};

template <class UK, class UV>
class map_state final : public keyed_state_on<tsl::robin_map<UK, UV>> {
  using base = keyed_state_on<tsl::robin_map<UK, UV>>;
  using base::table;

public:
  using user_key_type = UK;
  using user_value_type = UV;
  /// The mappings of one key.
  using user_map_type = tsl::robin_map<UK, UV>;
  using codec = map_codec<UK, UV>;
  using stored_type = user_map_type;
  /// What a snapshot entry encodes.
  using encoded_type = typename codec::encoded_type;

  /// The fingerprint stored with this state's entries.
  static uint64_t fingerprint() {
    static const uint64_t result
      = detail::kind_fingerprint("map", type_description<std::pair<UK, UV>>());
    return result;
  }

  /// Called by keyed_state_backend::get_state only.
  map_state(std::string name, uint64_t fingerprint,
            std::unique_ptr<state_table<user_map_type>> table)
    : base(name, typeid(map_state<UK, UV>), fingerprint, state_kind::map, std::move(table),
           "keyed map state '" + name + "'", codec::serializable,
           codec::serializable ? std::string{}
                               : detail::unserializable_message(
                                 "keyed map state '" + name + "'",
                                 "maps " + type_description<UK>() + " to "
                                   + type_description<UV>())) {
  }

  /// The value of `uk` for the current key, or nullptr. The pointer is
  /// valid until the next change of this state; writing through it changes
  /// the state.
  UV* get(const UK& uk) {
    auto* m = table().find_for_update();
    if (m == nullptr)
      return nullptr;
    auto it = m->find(uk);
    return it == m->end() ? nullptr : &it.value();
  }

  const UV* get(const UK& uk) const {
    const auto* m = table().find();
    if (m == nullptr)
      return nullptr;
    auto it = m->find(uk);
    return it == m->end() ? nullptr : &it->second;
  }

  /// Whether the current key maps `uk`.
  bool contains(const UK& uk) const {
    const auto* m = table().find();
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
    const auto* current = table().find();
    if (current == nullptr || current->find(uk) == current->end())
      return false;
    auto* m = table().find_for_update();
    m->erase(uk);
    if (m->empty())
      table().erase();
    return true;
  }

  /// Whether the current key has no mappings.
  bool is_empty() const {
    return table().find() == nullptr;
  }

  /// Number of mappings of the current key.
  size_t count() const {
    const auto* m = table().find();
    return m == nullptr ? 0 : m->size();
  }

  /// The current key's mappings: iterate `for (const auto& [uk, uv] :
  /// s.entries())`. Valid until the next change of this state.
  const user_map_type& entries() const {
    const auto* m = table().find();
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
    table().erase();
  }

private:
  static const user_map_type& empty_map() {
    static const user_map_type empty;
    return empty;
  }

  /// The current key's map, created empty when it has none. Callers must
  /// leave it non-empty.
  user_map_type& user_map() {
    if (auto* m = table().find_for_update())
      return *m;
    return table().insert(user_map_type{});
  }
};

} // namespace sluice
