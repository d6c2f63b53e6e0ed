// Rolling aggregations of a keyed stream (Flink's KeyedStream::sum and
// ::reduce): per record, the key's aggregate is updated and the new value is
// emitted at once (one output record per input record, no windows).
//
// The aggregate of each key lives in keyed `value_state` (state name
// "_op_state", as Flink's StreamGroupedReduceOperator), so it is partitioned
// by key group, works at any parallelism and is part of every checkpoint of
// the keyed state backend. Plain objects, no CAF: one virtual call per
// batch, the aggregation inlined per record, one output vector per batch.
//
// An aggregation policy `Agg` has
//   using accumulator_type = A;              // what the state holds per key
//   A first(const T& in);                    // the key's first record
//   A combine(const A& acc, const T& in);    // every later record
//   T output(const A& acc, const T& in);     // the record emitted
#pragma once

#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "actors/contract/operator.hpp"
#include "operators/keyed_process.hpp"
#include "snapshot/keyed_state_backend.hpp"

namespace sluice {

/// Hosts an aggregation policy on a keyed stream. The key selector must be
/// the one the hash exchange used (keyed_stream guarantees it).
template <class K, class T, class KeyFn, class Agg>
class keyed_aggregate_operator final : public stream_operator {
public:
  using accumulator_type = typename Agg::accumulator_type;

  keyed_aggregate_operator(KeyFn key, Agg agg) : key_(std::move(key)), agg_(std::move(agg)) {
  }

  void open(operator_context& ctx) override {
    auto* state = ctx.keyed_state();
    if (state == nullptr)
      ctx.fail("keyed aggregation without keyed state");
    acc_ = &state->get_state(value_state_descriptor<accumulator_type>{"_op_state"}, no_ttl);
  }

  void process(const batch_ptr& in, operator_context& ctx) override {
    auto& state = *ctx.keyed_state();
    auto& xs = records_of<T>(*in);
    std::vector<T> out;
    out.reserve(xs.size());
    for (auto& x : xs) {
      const K& key = key_(x);
      set_current_key_checked(state, key, ctx);
      if (auto* acc = acc_->find()) {
        *acc = agg_.combine(*acc, x);
        out.push_back(agg_.output(*acc, x));
      } else {
        out.push_back(agg_.output(acc_->emplace(agg_.first(x)), x));
      }
    }
    if (!out.empty())
      ctx.emit(make_batch(std::move(out), in->timestamps()));
  }

private:
  KeyFn key_;
  Agg agg_;
  value_state<accumulator_type>* acc_ = nullptr;
};

/// `sum(&T::member)`: the state holds the member's running sum; the output
/// is the input record with the member replaced by that sum.
template <class T, class M, class C>
struct member_sum {
  using accumulator_type = M;

  M C::*member;

  M first(const T& in) const {
    return in.*member;
  }

  M combine(const M& acc, const T& in) const {
    return static_cast<M>(acc + in.*member);
  }

  T output(const M& acc, const T& in) const {
    T out = in;
    out.*member = acc;
    return out;
  }
};

/// `sum<I>()` on std::pair / std::tuple records: as member_sum, element I.
template <class T, size_t I>
struct element_sum {
  using accumulator_type = std::tuple_element_t<I, T>;

  accumulator_type first(const T& in) const {
    return std::get<I>(in);
  }

  accumulator_type combine(const accumulator_type& acc, const T& in) const {
    return static_cast<accumulator_type>(acc + std::get<I>(in));
  }

  T output(const accumulator_type& acc, const T& in) const {
    T out = in;
    std::get<I>(out) = acc;
    return out;
  }
};

/// `reduce(fn)`: the state holds the accumulator `fn(fn(x1, x2), x3)...`,
/// which is also what is emitted.
template <class T, class F>
struct reduce_with {
  using accumulator_type = T;

  F fn;

  T first(const T& in) {
    return in;
  }

  T combine(const T& acc, const T& in) {
    return fn(acc, in);
  }

  T output(const T& acc, const T&) {
    return acc;
  }
};

} // namespace sluice
