// Descriptors name a piece of keyed state and fix its kind and types, like
// Flink's ValueStateDescriptor, ListStateDescriptor, MapStateDescriptor,
// ReducingStateDescriptor and AggregatingStateDescriptor.
//
// An operator creates a descriptor once (usually in its open/initialize hook)
// and passes it to `keyed_state_backend::get_state`. The name identifies the
// state inside one operator: it is the key under which the state is stored in
// snapshots, so it must stay the same across versions of a job. Registering
// the same name with another kind or type fails with ec::state_type_mismatch.
//
// Functions held by descriptors (reduce, aggregate) are copied into the state
// when the name is first registered; later registrations of the same name
// return that state and their functions are ignored (as in Flink). They are
// called on the owning actor only, once per `add`; they must not touch the
// state they belong to.
//
// Time-to-live (Flink's StateTtlConfig): `enable_time_to_live` on any
// descriptor makes the state's entries expire `ttl` after they were last
// written (or read, with update_type::on_read_and_write), in processing time
// (the backend's clock). Expired entries are invisible to reads, removed
// when touched and left out of snapshots. TTL applies to a key's whole
// entry (value, list or map), not to single list elements or map entries as
// in Flink. A state with TTL stores a timestamp with each entry: its
// snapshots restore only into a state with TTL (and vice versa).
#pragma once

#include <cassert>
#include <chrono>
#include <concepts>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace sluice {

/// Flink's StateTtlConfig, processing time only.
struct state_ttl_config {
  enum class update_type {
    on_create_and_write, // Flink's default: reads do not extend the lifetime
    on_read_and_write,
  };
  enum class visibility {
    never_return_expired,             // Flink's default
    return_expired_if_not_cleaned_up, // reads may still see an expired entry
  };

  /// Lifetime after the last write (or read). Precondition: > 0.
  std::chrono::milliseconds ttl{0};
  update_type update = update_type::on_create_and_write;
  visibility expired = visibility::never_return_expired;
};

/// What every descriptor has: a name and an optional time-to-live.
struct state_descriptor_base {
  std::string name;
  std::optional<state_ttl_config> ttl;

  /// Enables time-to-live for the state. Precondition: cfg.ttl > 0.
  void enable_time_to_live(state_ttl_config cfg) {
    assert(cfg.ttl.count() > 0 && "state ttl must be positive");
    ttl = cfg;
  }

protected:
  explicit state_descriptor_base(std::string state_name) : name(std::move(state_name)) {
  }
};

/// Names a keyed value state holding one `T` per key. `T` must be copyable
/// and movable (values are returned by copy).
template <class T>
struct value_state_descriptor : state_descriptor_base {
  using value_type = T;

  explicit value_state_descriptor(std::string state_name)
    : state_descriptor_base(std::move(state_name)) {
  }
};

/// Names a keyed list state holding a std::vector<T> per key (Flink's
/// ListState). `T` must be movable; copyable for snapshots.
template <class T>
struct list_state_descriptor : state_descriptor_base {
  using value_type = T;

  explicit list_state_descriptor(std::string state_name)
    : state_descriptor_base(std::move(state_name)) {
  }
};

/// Names a keyed map state holding a map UK -> UV per key (Flink's
/// MapState). `UK` needs std::hash<UK> and operator==; both must be copyable.
template <class UK, class UV>
struct map_state_descriptor : state_descriptor_base {
  using user_key_type = UK;
  using user_value_type = UV;

  explicit map_state_descriptor(std::string state_name)
    : state_descriptor_base(std::move(state_name)) {
  }
};

/// Names a keyed reducing state holding one `T` per key: the reduction of
/// every value added for that key (Flink's ReducingState). `reduce(acc, v)`
/// combines the stored value with a new one; it should be associative.
template <class T>
struct reducing_state_descriptor : state_descriptor_base {
  using value_type = T;
  using reduce_function = std::function<T(const T&, const T&)>;

  reduce_function reduce;

  /// Precondition: `fn` is callable (not empty).
  reducing_state_descriptor(std::string state_name, reduce_function fn)
    : state_descriptor_base(std::move(state_name)), reduce(std::move(fn)) {
    assert(reduce && "reducing_state_descriptor needs a reduce function");
  }
};

/// Flink's AggregateFunction<IN, ACC, OUT>: folds inputs into an accumulator
/// and derives the result from it.
///   create()         a fresh accumulator, for a key's first input
///   add(in, acc)     acc with `in` added (takes acc by value: move it on)
///   result(acc)      the state's value seen by `get`
///   merge(a, b)      two accumulators as one (for merging windows later;
///                    aggregating_state does not call it; may be empty)
template <class IN, class ACC, class OUT>
struct aggregate_function {
  std::function<ACC()> create;
  std::function<ACC(const IN&, ACC)> add;
  std::function<OUT(const ACC&)> result;
  std::function<ACC(ACC, ACC)> merge;

  /// Whether the three functions aggregating_state calls are set.
  bool valid() const noexcept {
    return create && add && result;
  }
};

/// An object with Flink's AggregateFunction methods, usable where an
/// aggregate_function is expected:
///   struct average {
///     std::pair<int64_t, double> create() const;
///     std::pair<int64_t, double> add(const double&, std::pair<int64_t, double>) const;
///     double result(const std::pair<int64_t, double>&) const;
///     std::pair<int64_t, double> merge(std::pair<int64_t, double>,
///                                      std::pair<int64_t, double>) const;
///   };
template <class F, class IN, class ACC, class OUT>
concept aggregate_function_object = requires(const F& f, const IN& in, ACC acc) {
  { f.create() } -> std::convertible_to<ACC>;
  { f.add(in, std::move(acc)) } -> std::convertible_to<ACC>;
  { f.result(acc) } -> std::convertible_to<OUT>;
  { f.merge(std::move(acc), std::move(acc)) } -> std::convertible_to<ACC>;
};

/// Names a keyed aggregating state: per key one `ACC`, the aggregate of
/// every `IN` added for that key, read as an `OUT` (Flink's
/// AggregatingState). `ACC` is what snapshots store: it must be copyable,
/// default-constructible and serializable (state_codec.hpp) to snapshot.
template <class IN, class ACC, class OUT>
struct aggregating_state_descriptor : state_descriptor_base {
  using input_type = IN;
  using accumulator_type = ACC;
  using output_type = OUT;
  using function_type = aggregate_function<IN, ACC, OUT>;

  function_type fn;

  /// Precondition: fn.valid().
  aggregating_state_descriptor(std::string state_name, function_type f)
    : state_descriptor_base(std::move(state_name)), fn(std::move(f)) {
    assert(fn.valid() && "aggregating_state_descriptor needs create, add and result");
  }

  /// Takes an object with create/add/result/merge methods (shared by the
  /// four functions, called const).
  template <class F>
    requires(!std::same_as<F, function_type> && aggregate_function_object<F, IN, ACC, OUT>)
  aggregating_state_descriptor(std::string state_name, F f)
    : state_descriptor_base(std::move(state_name)) {
    auto p = std::make_shared<const F>(std::move(f));
    fn.create = [p] { return ACC(p->create()); };
    fn.add = [p](const IN& in, ACC acc) { return ACC(p->add(in, std::move(acc))); };
    fn.result = [p](const ACC& acc) { return OUT(p->result(acc)); };
    fn.merge = [p](ACC a, ACC b) { return ACC(p->merge(std::move(a), std::move(b))); };
  }
};

} // namespace sluice
