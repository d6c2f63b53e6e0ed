// Windowed streams of the C++ API (Flink's WindowedStream):
//
//   keyed.window(tumbling_event_time_windows::of(5s))
//        .allowed_lateness(1s)          // optional
//        .side_output_late_data(tag)    // optional: result.get_side_output(tag)
//        .trigger(my_trigger)           // optional (default: the assigner's)
//        .reduce(fn) | .aggregate(agg) | .process(fn)
//   keyed.count_window(5).reduce(fn)            // tumbling count window
//   keyed.count_window(10, 2).process(fn)       // sliding count window
//
// `reduce` and `aggregate` keep one accumulator per window (incremental);
// `process` keeps every element and hands them to a
// process_window_function<K, T, Out, W> with the window's metadata. See
// window_operator.hpp for state, time and lateness.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "operators/graph_builder.hpp"
#include "operators/output_tag.hpp"
#include "operators/partitioners.hpp"
#include "operators/windows/window_operator.hpp"

namespace sluice {

template <class T>
class stream;

template <class K, class T, class KeyFn, class Assigner, class W>
class windowed_stream {
public:
  windowed_stream(graph_builder& g, std::vector<stream_input> inputs, KeyFn key, Assigner assigner,
                  trigger_ptr<W> trigger, size_t keep_last = 0)
    : g_(&g), inputs_(std::move(inputs)), key_(std::move(key)), assigner_(std::move(assigner)),
      trigger_(std::move(trigger)), keep_last_(keep_last) {
  }

  /// Replaces the assigner's default trigger.
  windowed_stream trigger(trigger_ptr<W> t) const {
    auto copy = *this;
    copy.trigger_ = std::move(t);
    return copy;
  }

  /// Keeps windows (event time) until the watermark passes their end plus
  /// `lateness`: late elements within it fire the window again.
  windowed_stream allowed_lateness(std::chrono::milliseconds lateness) const {
    auto copy = *this;
    copy.lateness_ = lateness.count();
    return copy;
  }

  /// Sends late elements (those dropped otherwise: every window they
  /// belong to is past its end plus the allowed lateness) to side output
  /// `tag` of the result, with their timestamps (Flink's
  /// sideOutputLateData): `result.get_side_output(tag)`.
  windowed_stream side_output_late_data(const output_tag<T>& tag) const {
    auto copy = *this;
    copy.late_tag_ = tag.id();
    return copy;
  }

  /// `T fn(const T& acc, const T& in)`: one T per key and window.
  template <class F>
  stream<T> reduce(F fn) const {
    if (keep_last_ > 0) // an evicting (sliding count) window reduces at fire
      return process(reduce_all<K, T, W, F>{std::move(fn)});
    return add<T>("window_reduce", reduce_contents<T, F>{std::move(fn)});
  }

  /// An object with create() / add(in, acc) / result(acc) / merge(a, b):
  /// one accumulator per key and window; emits result(acc).
  template <window_aggregate<T> Agg>
  auto aggregate(Agg agg) const {
    using contents = aggregate_contents<T, Agg>;
    return add<typename contents::output_type>("window_aggregate", contents{std::move(agg)});
  }

  /// reduce(fn) whose result goes to `window_fn`, a
  /// process_window_function<K, T, Out, W> that sees it as the only element,
  /// with the window's metadata (Flink's reduce(fn, ProcessWindowFunction)).
  template <class F, class Fn>
  stream<typename Fn::output_type> reduce(F fn, Fn window_fn) const {
    using out = typename Fn::output_type;
    static_assert(std::is_base_of_v<process_window_function<K, T, out, W>, Fn>,
                  "reduce(fn, window_fn) takes a process_window_function<Key, In, Out, Window>");
    if (keep_last_ > 0) { // an evicting (sliding count) window reduces at fire
      using inner = process_contents<T, reduce_all<K, T, W, F>>;
      return add<out>("window_reduce", with_window_function<inner, Fn>{
                                         inner{reduce_all<K, T, W, F>{std::move(fn)}, keep_last_},
                                         std::move(window_fn)});
    }
    using inner = reduce_contents<T, F>;
    return add<out>("window_reduce",
                    with_window_function<inner, Fn>{inner{std::move(fn)}, std::move(window_fn)});
  }

  /// aggregate(agg) whose result goes to `window_fn`, a
  /// process_window_function<K, AggResult, Out, W> that sees it as the only
  /// element, with the window's metadata (Flink's aggregate(agg,
  /// ProcessWindowFunction)).
  template <window_aggregate<T> Agg, class Fn>
  stream<typename Fn::output_type> aggregate(Agg agg, Fn window_fn) const {
    using inner = aggregate_contents<T, Agg>;
    using out = typename Fn::output_type;
    static_assert(
      std::is_base_of_v<process_window_function<K, typename inner::output_type, out, W>, Fn>,
      "aggregate(agg, window_fn) takes a process_window_function<Key, AggResult, Out, Window>");
    return add<out>("window_aggregate",
                    with_window_function<inner, Fn>{inner{std::move(agg)}, std::move(window_fn)});
  }

  /// A process_window_function<K, T, Out, W> subclass: all elements of a
  /// window, with its metadata.
  template <class Fn>
  stream<typename Fn::output_type> process(Fn fn) const {
    static_assert(std::is_base_of_v<process_window_function<K, T, typename Fn::output_type, W>,
                                    Fn>,
                  "process() takes a process_window_function<Key, In, Out, Window>");
    return add<typename Fn::output_type>("window_process",
                                         process_contents<T, Fn>{std::move(fn), keep_last_});
  }

private:
  template <class Out, class Contents>
  stream<Out> add(std::string name, Contents contents) const {
    auto key = key_;
    auto assigner = assigner_;
    auto trigger = trigger_;
    auto lateness = lateness_;
    auto late_tag = late_tag_;
    // Configuration errors surface when the job is defined, not at run time.
    window_operator<K, T, W, Assigner, Contents, KeyFn> probe{assigner, trigger, lateness,
                                                              contents, key};
    (void) probe;
    auto id = g_->add_operator(
      std::move(name),
      [=] {
        return std::make_unique<window_operator<K, T, W, Assigner, Contents, KeyFn>>(
          assigner, trigger, lateness, contents, key, late_tag);
      },
      inputs_, partitioning::hash, make_hash_router_factory<T>(key_), true,
      make_batch_codec<T>());
    if (!late_tag_.empty())
      g_->declare_side_output(id, late_tag_, typeid(T));
    return stream<Out>{*g_, id};
  }

  graph_builder* g_;
  std::vector<stream_input> inputs_;
  KeyFn key_;
  Assigner assigner_;
  trigger_ptr<W> trigger_;
  size_t keep_last_ = 0;
  timestamp lateness_ = 0;
  /// Side output of late elements; empty: they are dropped.
  std::string late_tag_;
};

/// The default trigger of an assigner (Flink's getDefaultTrigger).
template <class Assigner>
auto default_trigger_of(const Assigner& a) -> trigger_ptr<time_window> {
  if (a.is_event_time())
    return std::make_shared<event_time_trigger<time_window>>();
  return std::make_shared<processing_time_trigger<time_window>>();
}

/// The trigger of global windows that never fires (Flink's NeverTrigger).
class never_trigger final : public window_trigger<global_window> {
public:
  trigger_result on_element(timestamp, const global_window&, trigger_context&) const override {
    return trigger_result::continue_;
  }
  trigger_result on_event_time(timestamp, const global_window&,
                               trigger_context&) const override {
    return trigger_result::continue_;
  }
  trigger_result on_processing_time(timestamp, const global_window&,
                                    trigger_context&) const override {
    return trigger_result::continue_;
  }
  void clear(const global_window&, trigger_context&) const override {
  }
};

} // namespace sluice
