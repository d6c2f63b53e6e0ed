// What a window computes from its elements (Flink's ReduceFunction,
// AggregateFunction and ProcessWindowFunction on a WindowedStream), as the
// "contents" policies of the window operator (window_operator.hpp).
//
// A contents policy says what the window operator keeps per (key, window)
// in keyed state and what it emits when the window fires:
//   using accumulator   what is stored (serializable for checkpoints);
//   using output_type   what a firing emits;
//   accumulator create(const T&)            the window's first element;
//   void add(accumulator&, const T&)        every later element;
//   accumulator merge(accumulator, accumulator)   session windows merging;
//   void emit(const K&, const window_context<W>&, accumulator&, std::vector<Out>&)
//                                          on fire (may change the
//                                          accumulator: an evictor drops
//                                          elements for good).
// Incremental policies (reduce, aggregate) keep one value per window; the
// full-window policy (process) keeps every element, so the user function
// sees them all with the window's metadata.
//
// Plain classes, no CAF; copied into each subtask's operator.
#pragma once

#include <concepts>
#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

#include "actors/contract/operator.hpp"
#include "operators/collector.hpp"
#include "snapshot/state_descriptor.hpp"

namespace sluice {

/// What a process window function sees besides the elements (Flink's
/// ProcessWindowFunction.Context).
template <class W>
struct window_context {
  W window;
  timestamp current_watermark = min_timestamp;
  timestamp processing_time = 0;
};

/// Subclass it and pass it to `windowed_stream::process`: called with all
/// elements of a window when it fires (Flink's ProcessWindowFunction). Every
/// subtask gets its own copy.
template <class K, class In, class Out, class W>
class process_window_function {
public:
  using key_type = K;
  using input_type = In;
  using output_type = Out;
  using window_type = W;

  virtual ~process_window_function() = default;

  virtual void process(const K& key, const window_context<W>& ctx,
                       const std::vector<In>& elements, collector<Out>& out)
    = 0;
};

/// reduce(fn): `T fn(const T& acc, const T& in)`, one T per window.
template <class T, class F>
struct reduce_contents {
  using accumulator = T;
  using output_type = T;
  F fn;

  accumulator create(const T& x) const {
    return x;
  }
  void add(accumulator& acc, const T& x) const {
    acc = fn(acc, x);
  }
  accumulator merge(accumulator a, const accumulator& b) const {
    return fn(a, b);
  }
  template <class K, class W>
  void emit(const K&, const window_context<W>&, accumulator& acc, std::vector<T>& out) const {
    out.push_back(acc);
  }
};

/// An aggregate function object over records of type `In` (Flink's
/// AggregateFunction): `aggregate_function_object` (snapshot/
/// state_descriptor.hpp) with the accumulator `create()` returns and the
/// output `result(acc)` returns.
template <class Agg, class In>
concept window_aggregate
  = requires(const Agg& agg) { agg.create(); }
    && aggregate_function_object<
      Agg, In, std::decay_t<decltype(std::declval<const Agg&>().create())>,
      std::decay_t<decltype(std::declval<const Agg&>().result(
        std::declval<const std::decay_t<decltype(std::declval<const Agg&>().create())>&>()))>>;

/// aggregate(agg): an object with create() / add(in, acc) / result(acc) /
/// merge(a, b) (Flink's AggregateFunction), one accumulator per window.
template <class T, class Agg>
struct aggregate_contents {
  using accumulator = std::decay_t<decltype(std::declval<const Agg&>().create())>;
  using output_type
    = std::decay_t<decltype(std::declval<const Agg&>().result(std::declval<const accumulator&>()))>;
  Agg agg;

  accumulator create(const T& x) const {
    return accumulator(agg.add(x, agg.create()));
  }
  void add(accumulator& acc, const T& x) const {
    acc = accumulator(agg.add(x, std::move(acc)));
  }
  accumulator merge(accumulator a, accumulator b) const {
    return accumulator(agg.merge(std::move(a), std::move(b)));
  }
  template <class K, class W>
  void emit(const K&, const window_context<W>&, accumulator& acc,
            std::vector<output_type>& out) const {
    out.push_back(agg.result(acc));
  }
};

/// process(fn): every element kept; on fire the elements (after an
/// evictor keeping only the last `keep_last`, when > 0: Flink's
/// CountEvictor, as used by sliding count windows) go to `fn`.
template <class T, class Fn>
struct process_contents {
  using accumulator = std::vector<T>;
  using output_type = typename Fn::output_type;
  Fn fn;
  size_t keep_last = 0;

  accumulator create(const T& x) const {
    return accumulator{x};
  }
  void add(accumulator& acc, const T& x) const {
    acc.push_back(x);
  }
  accumulator merge(accumulator a, const accumulator& b) const {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }
  template <class K, class W>
  void emit(const K& key, const window_context<W>& ctx, accumulator& acc,
            std::vector<output_type>& out) {
    if (keep_last > 0 && acc.size() > keep_last)
      acc.erase(acc.begin(), acc.end() - static_cast<std::ptrdiff_t>(keep_last));
    collector<output_type> c{out};
    fn.process(key, ctx, acc, c);
  }
};

/// reduce(fn, window_fn) / aggregate(agg, window_fn): an incremental
/// policy `Inner` whose result goes, as the only element, to a process
/// window function with the window's metadata (Flink's reduce or aggregate
/// with a ProcessWindowFunction): one accumulator per window, and the
/// window function still knows which window fired.
template <class Inner, class Fn>
struct with_window_function {
  using accumulator = typename Inner::accumulator;
  using output_type = typename Fn::output_type;
  Inner inner;
  Fn fn;

  template <class T>
  accumulator create(const T& x) const {
    return inner.create(x);
  }
  template <class T>
  void add(accumulator& acc, const T& x) const {
    inner.add(acc, x);
  }
  accumulator merge(accumulator a, accumulator b) const {
    return inner.merge(std::move(a), std::move(b));
  }
  template <class K, class W>
  void emit(const K& key, const window_context<W>& ctx, accumulator& acc,
            std::vector<output_type>& out) {
    std::vector<typename Inner::output_type> result;
    inner.emit(key, ctx, acc, result);
    collector<output_type> c{out};
    fn.process(key, ctx, result, c);
  }
};

/// A process window function that reduces all elements with `fn` (the
/// reduce of an evicting window: sliding count windows).
template <class K, class T, class W, class F>
class reduce_all final : public process_window_function<K, T, T, W> {
public:
  explicit reduce_all(F fn) : fn_(std::move(fn)) {
  }

  void process(const K&, const window_context<W>&, const std::vector<T>& elements,
               collector<T>& out) override {
    if (elements.empty())
      return;
    T acc = elements.front();
    for (size_t i = 1; i < elements.size(); ++i)
      acc = fn_(acc, elements[i]);
    out.collect(std::move(acc));
  }

private:
  F fn_;
};

} // namespace sluice
