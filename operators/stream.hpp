// Typed streams of the C++ API (Flink's DataStream and KeyedStream).
//
// A stream is a cheap handle on a node of the environment's job graph;
// transformations add nodes and return new handles. `name`, `uid` and
// `parallelism` configure the operator that produced the stream, as in
// Flink (`.map(...).uid("x")`).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "operators/basic_operators.hpp"
#include "operators/embedding.hpp"
#include "operators/graph_builder.hpp"
#include "operators/keyed_aggregations.hpp"
#include "operators/keyed_process.hpp"
#include "operators/output_tag.hpp"
#include "operators/partitioners.hpp"
#include "operators/sink_handle.hpp"
#include "operators/sinks.hpp"
#include "operators/timestamps_and_watermarks.hpp"
#include "operators/windows/windowed_stream.hpp"

namespace sluice {

template <class K, class T, class KeyFn>
class keyed_stream;

template <class T>
class stream {
public:
  using value_type = T;

  /// `side_output`: this stream is that side output of `node` (empty: its
  /// main output).
  stream(graph_builder& g, uint32_t node, std::string side_output = {})
    : g_(&g), node_(node), side_(std::move(side_output)) {
  }

  /// One output record per input record: `Out fn(const T&)`.
  template <class F>
  auto map(F fn) const {
    using out = std::decay_t<std::invoke_result_t<F&, const T&>>;
    return then<out>("map", [fn] { return std::make_unique<map_operator<T, out, F>>(fn); });
  }

  /// Keeps the records for which `bool fn(const T&)` holds.
  template <class F>
  stream<T> filter(F fn) const {
    return then<T>("filter", [fn] { return std::make_unique<filter_operator<T, F>>(fn); });
  }

  /// Zero or more records per input: `void fn(const T&, collector<Out>&)`.
  template <class Out, class F>
  stream<Out> flat_map(F fn) const {
    return then<Out>("flat_map",
                     [fn] { return std::make_unique<flat_map_operator<T, Out, F>>(fn); });
  }

  /// Partitions by `key(const T&)`: every record of a key reaches the same
  /// subtask, in order (hash over the key's bytes -> key group -> subtask).
  template <class KeyFn>
  auto key_by(KeyFn key) const {
    using K = std::decay_t<std::invoke_result_t<KeyFn&, const T&>>;
    return keyed_stream<K, T, KeyFn>{*g_, inputs(), std::move(key)};
  }

  /// Gives every record its event timestamp and makes watermarks from
  /// here on, per `strategy` (Flink's assignTimestampsAndWatermarks):
  ///   .assign_timestamps_and_watermarks(
  ///      watermark_strategy<click>::for_bounded_out_of_orderness(2s)
  ///        .with_timestamp_assigner([](const click& c) { return c.time; }))
  /// Watermarks go out per record (punctuated generators) and every
  /// pipeline.auto-watermark-interval; watermarks from upstream stop here.
  stream<T> assign_timestamps_and_watermarks(watermark_strategy<T> strategy) const {
    return then<T>("timestamps/watermarks", [strategy] {
      return std::make_unique<timestamps_and_watermarks_operator<T>>(strategy);
    });
  }

  /// The records of this stream and of `other` (Flink's union): the next
  /// operator reads both. `name`, `uid` and `parallelism` on the result
  /// configure this stream's operator.
  stream<T> union_with(const stream<T>& other) const {
    auto copy = *this;
    auto more = other.inputs();
    copy.unioned_.insert(copy.unioned_.end(), more.begin(), more.end());
    return copy;
  }

  /// This stream's node and the nodes unioned with it.
  std::vector<stream_input> inputs() const {
    std::vector<stream_input> result{stream_input{node_, side_}};
    result.insert(result.end(), unioned_.begin(), unioned_.end());
    return result;
  }

  /// The records the operator of this stream emits on side output `tag`
  /// (Flink's getSideOutput), e.g. a window's late elements
  /// (windowed_stream::side_output_late_data) or what a keyed process
  /// function emits with `ctx.output(tag, x)`. Throws
  /// sluice::exception(ec::invalid_job_graph) naming the operator and the
  /// tag when the operator declared no side output `tag` of records X.
  template <class X>
  stream<X> get_side_output(const output_tag<X>& tag) const {
    g_->read_side_output(node_, tag.id(), typeid(X));
    return stream<X>{*g_, node_, tag.id()};
  }

  /// The next operator receives records round robin.
  stream<T> rebalance() const {
    return with_edge(partitioning::rebalance);
  }

  /// The next operator receives every record on every subtask.
  stream<T> broadcast() const {
    return with_edge(partitioning::broadcast);
  }

  /// The next operator's subtask i receives subtask i's records (equal
  /// parallelism required; chained when possible).
  stream<T> forward() const {
    return with_edge(partitioning::forward);
  }

  /// Prints every record to stdout (needs `operator<<`); at-least-once.
  /// Returns the sink's handle (operators/sink_handle.hpp): `.uid("out")`
  /// names the print sink, not this stream's operator.
  sink_handle print(std::string prefix = {}) const {
    return sink("print", [prefix] {
      return std::make_unique<print_sink<T>>(prefix, &std::cout);
    });
  }

  /// Collects every record in memory for the caller; at-least-once.
  /// Returns the sink's handle, which also gives the records
  /// (`out->values()` once the job ended).
  collect_handle<T> collect() const {
    auto out = std::make_shared<collected<T>>();
    auto handle = sink("collect", [out] { return std::make_unique<collect_sink<T>>(out); });
    return collect_handle<T>{*g_, handle.node_id(), std::move(out)};
  }

  /// Hands every batch to `out.on_batch` and, once the job finished, calls
  /// `out.on_end` once (all sink subtasks closed); at-least-once. Returns the
  /// sink's handle: `name`, `uid` and `parallelism` on it configure the
  /// sink. For a host actor, see `actor_outlet` in actors/contract/actor_io.hpp.
  sink_handle sink_to(outlet<T> out) const {
    auto barrier = std::make_shared<outlet_barrier>();
    return sink("sink", [out, barrier] {
      return std::make_unique<outlet_sink<T>>(out, barrier);
    });
  }

  /// As `sink_to(outlet)` without an end-of-stream callback.
  sink_handle sink_to(std::function<void(std::vector<T>)> on_batch) const {
    return sink_to(outlet<T>{std::move(on_batch), {}});
  }

  /// Display name of the operator that produced this stream.
  stream name(std::string n) {
    g_->node(node_).name = std::move(n);
    return *this;
  }

  /// Stable id of the operator that produced this stream (keeps its state
  /// mapped across program changes, like Flink's uid).
  stream uid(std::string id) {
    g_->node(node_).uid = std::move(id);
    return *this;
  }

  /// Parallelism of the operator that produced this stream.
  stream parallelism(uint32_t p) {
    g_->node(node_).parallelism = p;
    return *this;
  }

  uint32_t node_id() const noexcept {
    return node_;
  }

  /// Adds an operator fed by this stream (for custom operators).
  template <class Out>
  stream<Out> then(std::string name, operator_factory f) const {
    auto id = g_->add_operator(std::move(name), std::move(f), inputs(), edge_,
                               make_router_factory<T>(), false, make_batch_codec<T>());
    return stream<Out>{*g_, id};
  }

private:
  /// Adds a sink operator fed by this stream; its handle.
  sink_handle sink(std::string name, operator_factory f) const {
    return sink_handle{*g_, then<T>(std::move(name), std::move(f)).node_id()};
  }

  stream<T> with_edge(partitioning p) const {
    auto copy = *this;
    copy.edge_ = p;
    return copy;
  }

  graph_builder* g_;
  uint32_t node_;
  /// Non-empty: this stream is that side output of node_.
  std::string side_;
  /// Other nodes whose records this stream includes (union_with).
  std::vector<stream_input> unioned_;
  partitioning edge_ = partitioning::automatic;
};

/// A stream partitioned by key (Flink's KeyedStream).
template <class K, class T, class KeyFn>
class keyed_stream {
public:
  using key_type = K;

  keyed_stream(graph_builder& g, std::vector<stream_input> inputs, KeyFn key)
    : g_(&g), inputs_(std::move(inputs)), key_(std::move(key)) {
  }

  /// Runs a copy of `fn` (a keyed_process_function<K, T, Out> subclass) on
  /// every subtask, with keyed state. What it emits with `ctx.output(tag,
  /// x)` is read with `get_side_output(tag)` on the result.
  template <class Fn>
  stream<typename Fn::output_type> process(Fn fn) const {
    using out = typename Fn::output_type;
    static_assert(std::is_base_of_v<keyed_process_function<K, T, out>, Fn>,
                  "process() takes a keyed_process_function<Key, In, Out>");
    auto key = key_;
    auto sides = std::make_shared<side_output_types>();
    auto result = keyed_then<out>("keyed_process", [fn, key, sides] {
      return std::make_unique<keyed_process_operator<K, T, out, Fn, KeyFn>>(fn, key, sides);
    });
    g_->declare_open_side_outputs(result.node_id(), sides);
    return result;
  }

  /// Rolling sum of an arithmetic member per key (Flink's sum): for every
  /// input record, emits a copy of it whose `member` is the key's sum so far
  /// (including this record). The sum is kept in keyed value state.
  ///   key_by([](const word_count& w) { return w.word; }).sum(&word_count::count)
  template <class M, class C>
  stream<T> sum(M C::*member) const {
    static_assert(std::is_arithmetic_v<M> && !std::is_const_v<M>,
                  "sum(&T::member) needs a non-const arithmetic data member");
    static_assert(std::is_base_of_v<C, T>, "sum(&T::member): member of another type");
    return aggregate("sum", member_sum<T, M, C>{member});
  }

  /// Rolling sum of element I of a std::pair / std::tuple record; emits the
  /// record with element I replaced by the key's sum (call it as
  /// `keyed.template sum<1>()` in templates).
  template <size_t I>
  stream<T> sum() const {
    static_assert(I < std::tuple_size_v<T>, "sum<I>(): no element I");
    static_assert(std::is_arithmetic_v<std::tuple_element_t<I, T>>,
                  "sum<I>() needs an arithmetic element");
    return aggregate("sum", element_sum<T, I>{});
  }

  /// Rolling reduce per key (Flink's reduce): `T fn(const T& acc, const T&
  /// in)`. The key's first record is its accumulator; every later record
  /// replaces it by fn(acc, in). Emits the new accumulator per input record.
  template <class F>
  stream<T> reduce(F fn) const {
    static_assert(std::is_convertible_v<std::invoke_result_t<F&, const T&, const T&>, T>,
                  "reduce(fn) needs T fn(const T& acc, const T& in)");
    return aggregate("reduce", reduce_with<T, F>{std::move(fn)});
  }

  /// Windows of this keyed stream by `assigner` (tumbling, sliding or
  /// session windows, event or processing time: window_assigners.hpp),
  /// with the assigner's default trigger (windowed_stream.hpp).
  template <window_assigner Assigner>
  auto window(Assigner assigner) const {
    auto trigger = default_trigger_of(assigner);
    return windowed_stream<K, T, KeyFn, Assigner, time_window>{*g_, inputs_, key_,
                                                               std::move(assigner), trigger};
  }

  /// One global window per key; nothing fires until a custom trigger
  /// says so (`.trigger(...)`).
  auto window(global_windows assigner) const {
    return windowed_stream<K, T, KeyFn, global_windows, global_window>{
      *g_, inputs_, key_, assigner, std::make_shared<never_trigger>()};
  }

  /// Tumbling count windows: fires and clears a key's window every `size`
  /// elements (Flink's countWindow(size)). Throws
  /// sluice::exception(ec::invalid_argument) unless size > 0.
  auto count_window(int64_t size) const {
    auto trigger = purging_trigger<global_window>::of(count_trigger<global_window>::of(size));
    return windowed_stream<K, T, KeyFn, global_windows, global_window>{
      *g_, inputs_, key_, global_windows{}, trigger};
  }

  /// Sliding count windows: every `slide` elements of a key, its last
  /// `size` elements (Flink's countWindow(size, slide): a count trigger and
  /// a count evictor). Throws sluice::exception(ec::invalid_argument)
  /// unless size > 0 and slide > 0.
  auto count_window(int64_t size, int64_t slide) const {
    if (size <= 0)
      throw exception(ec::invalid_argument,
                      "count window size must be positive, got " + std::to_string(size));
    auto trigger = count_trigger<global_window>::of(slide);
    return windowed_stream<K, T, KeyFn, global_windows, global_window>{
      *g_, inputs_, key_, global_windows{}, trigger, static_cast<size_t>(size)};
  }

private:
  template <class Agg>
  stream<T> aggregate(std::string name, Agg agg) const {
    auto key = key_;
    return keyed_then<T>(std::move(name), [agg, key] {
      return std::make_unique<keyed_aggregate_operator<K, T, KeyFn, Agg>>(key, agg);
    });
  }

  /// Adds a keyed operator behind a hash exchange on this stream's key.
  template <class Out>
  stream<Out> keyed_then(std::string name, operator_factory f) const {
    auto id = g_->add_operator(std::move(name), std::move(f), inputs_, partitioning::hash,
                               make_hash_router_factory<T>(key_), true,
                               make_batch_codec<T>());
    return stream<Out>{*g_, id};
  }

  graph_builder* g_;
  std::vector<stream_input> inputs_;
  KeyFn key_;
};

} // namespace sluice
