// Keyed aggregating state: per key one accumulator `ACC`, the aggregate of
// every `IN` added for that key, read as an `OUT` (Flink's
// AggregatingState).
//
// Ownership, threading and the current key work as for value_state (see
// value_state.hpp): obtained only from keyed_state_backend::get_state, valid
// as long as the backend lives, used by the one actor that owns the backend,
// every call works on the accumulator of the current key (one table lookup
// with the precomputed hash). The aggregate function comes from the
// descriptor that first registered the name; `add` and `get` call it on the
// owning actor.
//
// Snapshot encoding (state_kind::value): one entry per key, value =
// encode_value(ACC) of the accumulator (never OUT: `get` derives it).
// Fingerprint: aggregating_state<IN, ACC, OUT>::fingerprint()
// ("aggregating" mixed with ACC's description; IN and OUT are not stored, so
// they may change across versions as long as ACC stays), so it restores
// neither into a value state of ACC nor into a reducing state. Needs
// is_serializable_v<ACC>; otherwise the state works in memory and refuses
// snapshot and restore with ec::not_serializable.
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

template <class IN, class ACC, class OUT>
class aggregating_state final : public keyed_state_base, public detail::key_group_tables<ACC> {
  using tables = detail::key_group_tables<ACC>;
  using tables::ctx_;
  using tables::current_key;
  using tables::current_map;
  using tables::groups_;
  using tables::size_;
  using tables::what_;

public:
  using tables::size_in_key_group;
  using input_type = IN;
  using accumulator_type = ACC;
  using output_type = OUT;
  using function_type = aggregate_function<IN, ACC, OUT>;
  using map_type = tsl::robin_map<std::string, ACC, key_bytes_hash, std::equal_to<>>;

  /// The fingerprint stored with this state's entries.
  static uint64_t fingerprint() {
    static const uint64_t result
      = detail::kind_fingerprint("aggregating", type_description<ACC>());
    return result;
  }

  /// Called by keyed_state_backend::get_state only. Precondition: fn.valid().
  aggregating_state(std::string name, const current_key_context& ctx, function_type fn)
    : keyed_state_base(std::move(name), typeid(aggregating_state<IN, ACC, OUT>), fingerprint(),
                       state_kind::value),
      tables(ctx),
      fn_(std::move(fn)) {
    assert(fn_.valid());
  }

  using keyed_state_base::name;

  /// result(accumulator) of the current key; nullopt when nothing was added
  /// since the last clear.
  std::optional<OUT> get() const {
    const auto* acc = accumulator();
    if (acc == nullptr)
      return std::nullopt;
    return fn_.result(*acc);
  }

  /// The current key's accumulator, or nullptr when nothing was added since
  /// the last clear. Valid until the next change of this state.
  const ACC* accumulator() const {
    const auto& map = current_map();
    auto it = map.find(current_key(), ctx_->hash);
    return it == map.end() ? nullptr : &it->second;
  }

  /// Folds `in` into the current key's accumulator (create() first for a key
  /// without one). If `add` throws, the key's accumulator is left in the
  /// state `add` left its moved-in argument (unspecified for most types).
  void add(const IN& in) {
    auto& map = current_map();
    auto it = map.find(current_key(), ctx_->hash);
    if (it != map.end()) {
      it.value() = fn_.add(in, std::move(it.value()));
      return;
    }
    map.emplace(ctx_->key, fn_.add(in, fn_.create()));
    ++size_;
  }

  /// Removes the current key's accumulator (no-op when unset).
  void clear() {
    if (current_map().erase(current_key(), ctx_->hash) > 0)
      --size_;
  }

  /// Keys with an accumulator (= entries of a snapshot).
  size_t size() const noexcept override {
    return size_;
  }

  bool serializable() const noexcept override {
    return is_serializable_v<ACC>;
  }

  std::unique_ptr<const keyed_state_copy> copy_entries() const override {
    if constexpr (is_serializable_v<ACC>)
      return std::make_unique<const detail::keyed_entries_copy<map_type>>(ctx_->range.first,
                                                                          groups_, size_);
    else
      throw_not_serializable();
  }

  void restore_entry(uint32_t key_group, std::string_view key, std::string_view value) override {
    assert(ctx_->range.contains(key_group));
    if constexpr (is_serializable_v<ACC>) {
      if (what_.empty())
        what_ = "keyed aggregating state '" + name() + "'";
      auto decoded = decode_value<ACC>(value, what_);
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
                    "keyed aggregating state '" + name() + "' holds accumulators of type "
                      + type_description<ACC>()
                      + ", which CAF cannot serialize: give the type an inspect() overload");
  }

  function_type fn_;
};

} // namespace sluice
