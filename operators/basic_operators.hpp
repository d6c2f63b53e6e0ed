// Stateless one-input operators: map, filter, flat_map. Plain objects (no
// CAF): one virtual call per batch, the user function inlined per record,
// one output vector per batch (no allocation per record unless the user's
// records allocate). Each output record carries its input's timestamp.
#pragma once

#include <cstdint>
#include <vector>

#include "actors/contract/operator.hpp"
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
    ctx.emit(make_batch(std::move(out), in->timestamps()));
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
    auto& ts = in->timestamps();
    std::vector<T> out;
    std::vector<int64_t> out_ts;
    for (size_t i = 0; i < xs.size(); ++i)
      if (fn_(xs[i])) {
        out.push_back(xs[i]);
        if (!ts.empty())
          out_ts.push_back(ts[i]);
      }
    if (out.size() == xs.size())
      ctx.emit(in); // everything passed: forward the batch itself
    else if (!out.empty())
      ctx.emit(make_batch(std::move(out), std::move(out_ts)));
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
    auto& ts = in->timestamps();
    std::vector<Out> out;
    std::vector<int64_t> out_ts;
    collector<Out> c{out};
    for (size_t i = 0; i < xs.size(); ++i) {
      fn_(xs[i], c);
      if (!ts.empty())
        out_ts.resize(out.size(), ts[i]); // each output carries its input's timestamp
    }
    if (!out.empty())
      ctx.emit(make_batch(std::move(out), std::move(out_ts)));
  }

private:
  F fn_;
};

} // namespace sluice
