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

template <class IN, class ACC, class OUT>
class aggregating_state final : public keyed_state_on<ACC> {
  using base = keyed_state_on<ACC>;
  using base::table;

public:
  using input_type = IN;
  using accumulator_type = ACC;
  using output_type = OUT;
  using codec = plain_codec<ACC>;
  using stored_type = ACC;
  using function_type = aggregate_function<IN, ACC, OUT>;

  /// The fingerprint stored with this state's entries.
  static uint64_t fingerprint() {
    static const uint64_t result
      = detail::kind_fingerprint("aggregating", type_description<ACC>());
    return result;
  }

  /// Called by keyed_state_backend::get_state only. Precondition: fn.valid().
  aggregating_state(std::string name, uint64_t fingerprint,
                    std::unique_ptr<state_table<ACC>> table, function_type fn)
    : base(name, typeid(aggregating_state<IN, ACC, OUT>), fingerprint, state_kind::value,
           std::move(table), "keyed aggregating state '" + name + "'", codec::serializable,
           codec::serializable ? std::string{}
                               : detail::unserializable_message(
                                 "keyed aggregating state '" + name + "'",
                                 "holds accumulators of type " + type_description<ACC>())),
      fn_(std::move(fn)) {
    assert(fn_.valid());
  }

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
    return table().find();
  }

  /// Folds `in` into the current key's accumulator (create() first for a key
  /// without one). If `add` throws, the key's accumulator is left in the
  /// state `add` left its moved-in argument (unspecified for most types).
  void add(const IN& in) {
    if (ACC* acc = table().find_for_update())
      *acc = fn_.add(in, std::move(*acc));
    else
      table().insert(fn_.add(in, fn_.create()));
  }

  /// Removes the current key's accumulator (no-op when unset).
  void clear() {
    table().erase();
  }

private:
  function_type fn_;
};

} // namespace sluice
