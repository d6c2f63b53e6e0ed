// Windowed streams of the C++ API (Flink's WindowedStream):
//
//   keyed.window(tumbling_event_time_windows::of(5s))
//        .allowed_lateness(1s)          // optional
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
#include <utility>
#include <vector>

#include "operators/graph_builder.hpp"
#include "operators/partitioners.hpp"
#include "operators/windows/window_operator.hpp"

namespace sluice {

template <class T>
class stream;

template <class K, class T, class KeyFn, class Assigner, class W>
class windowed_stream {
public:
  windowed_stream(graph_builder& g, std::vector<uint32_t> inputs, KeyFn key, Assigner assigner,
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

  /// `T fn(const T& acc, const T& in)`: one T per key and window.
  template <class F>
  stream<T> reduce(F fn) const {
    if (keep_last_ > 0) // an evicting (sliding count) window reduces at fire
      return process(reduce_all<K, T, W, F>{std::move(fn)});
    return add<T>("window_reduce", reduce_contents<T, F>{std::move(fn)});
  }

  /// An object with create() / add(in, acc) / result(acc) / merge(a, b):
  /// one accumulator per key and window; emits result(acc).
  template <class Agg>
  auto aggregate(Agg agg) const {
    using contents = aggregate_contents<T, Agg>;
    return add<typename contents::output_type>("window_aggregate", contents{std::move(agg)});
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
    // Configuration errors surface when the job is defined, not at run time.
    window_operator<K, T, W, Assigner, Contents, KeyFn> probe{assigner, trigger, lateness,
                                                              contents, key};
    (void) probe;
    auto id = g_->add_operator(
      std::move(name),
      [=] {
        return std::make_unique<window_operator<K, T, W, Assigner, Contents, KeyFn>>(
          assigner, trigger, lateness, contents, key);
      },
      inputs_, partitioning::hash, make_hash_router_factory<T>(key_), true,
      make_batch_codec<T>());
    return stream<Out>{*g_, id};
  }

  graph_builder* g_;
  std::vector<uint32_t> inputs_;
  KeyFn key_;
  Assigner assigner_;
  trigger_ptr<W> trigger_;
  size_t keep_last_ = 0;
  timestamp lateness_ = 0;
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
