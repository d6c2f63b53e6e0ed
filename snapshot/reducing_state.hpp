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

#include "snapshot/state_descriptor.hpp"
#include "snapshot/value_state.hpp"

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include <tsl/robin_map.h>

namespace sluice {

template <class T>
class reducing_state final : public keyed_state_base, public detail::key_group_tables<T> {
  using tables = detail::key_group_tables<T>;
  using tables::ctx_;
  using tables::current_key;
  using tables::current_map;
  using tables::groups_;
  using tables::size_;
  using tables::what_;

public:
  using tables::size_in_key_group;
  using value_type = T;
  using reduce_function = typename reducing_state_descriptor<T>::reduce_function;
  using map_type = tsl::robin_map<std::string, T, key_bytes_hash, std::equal_to<>>;

  /// The fingerprint stored with this state's entries.
  static uint64_t fingerprint() {
    static const uint64_t result = detail::kind_fingerprint("reducing", type_description<T>());
    return result;
  }

  /// Called by keyed_state_backend::get_state only. Precondition: `reduce`
  /// is callable.
  reducing_state(std::string name, const current_key_context& ctx, reduce_function reduce)
    : keyed_state_base(std::move(name), typeid(reducing_state<T>), fingerprint(),
                       state_kind::value),
      tables(ctx),
      reduce_(std::move(reduce)) {
    assert(reduce_);
  }

  using keyed_state_base::name;

  /// The current key's reduced value; nullopt when nothing was added since
  /// the last clear.
  std::optional<T> get() const {
    const auto& map = current_map();
    auto it = map.find(current_key(), ctx_->hash);
    if (it == map.end())
      return std::nullopt;
    return it->second;
  }

  /// Stores reduce(current, v), or `v` for a key without a value. If the
  /// reduce function throws, the value is unchanged.
  void add(T v) {
    auto& map = current_map();
    auto it = map.find(current_key(), ctx_->hash);
    if (it != map.end()) {
      it.value() = reduce_(it->second, v);
      return;
    }
    map.emplace(ctx_->key, std::move(v));
    ++size_;
  }

  /// Removes the current key's value (no-op when unset).
  void clear() {
    if (current_map().erase(current_key(), ctx_->hash) > 0)
      --size_;
  }

  /// Keys with a value (= entries of a snapshot).
  size_t size() const noexcept override {
    return size_;
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

  void restore_entry(uint32_t key_group, std::string_view key, std::string_view value) override {
    assert(ctx_->range.contains(key_group));
    if constexpr (is_serializable_v<T>) {
      if (what_.empty())
        what_ = "keyed reducing state '" + name() + "'";
      auto decoded = decode_value<T>(value, what_);
      auto& map = groups_[key_group - ctx_->range.first];
      if (map.insert_or_assign(std::string{key}, std::move(decoded)).second)
        ++size_;
    } else {
      throw_not_serializable();
    }
  }

private:
  [[noreturn]] void throw_not_serializable() const {
    throw exception(ec::not_serializable,
                    "keyed reducing state '" + name() + "' holds values of type "
                      + type_description<T>()
                      + ", which CAF cannot serialize: give the type an inspect() overload");
  }

  reduce_function reduce_;
};

} // namespace sluice
