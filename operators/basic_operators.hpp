// Stateless one-input operators: map, filter, flat_map. Plain objects (no
// CAF): one virtual call per batch, the user function inlined per record,
// one output vector per batch (no allocation per record unless the user's
// records allocate).
#pragma once

#include <vector>

#include "actors/operator.hpp"
#include "operators/collector.hpp"

namespace sluice {

template <class In, class Out, class F>
class map_operator final : public stream_operator {
public:
  explicit map_operator(F fn) : fn_(std::move(fn)) {
  }

  void process(const batch_ptr& in, operator_context& ctx) override {
    auto& xs = records_of<In>(*in);
    std::vector<Out> out;
    out.reserve(xs.size());
    for (auto& x : xs)
      out.push_back(fn_(x));
    ctx.emit(make_batch(std::move(out)));
  }

private:
  F fn_;
};

template <class T, class F>
class filter_operator final : public stream_operator {
public:
  explicit filter_operator(F fn) : fn_(std::move(fn)) {
  }

  void process(const batch_ptr& in, operator_context& ctx) override {
    auto& xs = records_of<T>(*in);
    std::vector<T> out;
    for (auto& x : xs)
      if (fn_(x))
        out.push_back(x);
    if (out.size() == xs.size())
      ctx.emit(in); // everything passed: forward the batch itself
    else if (!out.empty())
      ctx.emit(make_batch(std::move(out)));
  }

private:
  F fn_;
};

/// `fn(const In&, collector<Out>&)` emits zero or more records per input.
template <class In, class Out, class F>
class flat_map_operator final : public stream_operator {
public:
  explicit flat_map_operator(F fn) : fn_(std::move(fn)) {
  }

  void process(const batch_ptr& in, operator_context& ctx) override {
    auto& xs = records_of<In>(*in);
    std::vector<Out> out;
    collector<Out> c{out};
    for (auto& x : xs)
      fn_(x, c);
    if (!out.empty())
      ctx.emit(make_batch(std::move(out)));
  }

private:
  F fn_;
};

} // namespace sluice
