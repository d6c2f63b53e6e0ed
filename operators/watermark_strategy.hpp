// Watermark generation for event time: where a stream's timestamps and
// watermarks come from (Flink's WatermarkGenerator / WatermarkStrategy).
//
// Pure logic, no CAF. A host operator (a source or a watermark assigner)
// asks the strategy for one generator per subtask in `open`, feeds it the
// timestamp of every record it emits (`on_event`), calls `on_periodic_emit`
// every auto-watermark interval, and implements `watermark_output` to turn
// the generator's calls into in-band watermark / idle / active messages.
// The host drops watermarks that do not advance, so a generator may repeat
// one. Generators are used by one subtask at a time (not thread-safe) and
// are owned by the host (unique_ptr); strategies are immutable values that
// may be copied into every subtask.
//
// Errors: invalid arguments (negative out-of-orderness, non-positive idle
// timeout, missing factory/assigner/clock, a factory returning nullptr)
// throw `sluice::exception(ec::invalid_argument, ...)` naming the parameter
// and its value, at the call that received them.
#pragma once

#include <chrono>
#include <concepts>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "actors/contract/operator.hpp"
#include "snapshot/error.hpp"

namespace sluice {

/// Where a generator sends what it decides; implemented by the host operator.
class watermark_output {
public:
  virtual ~watermark_output() = default;

  /// No record with a timestamp <= `wm` follows. May repeat or go back; the
  /// host forwards only advancing watermarks.
  virtual void emit_watermark(timestamp wm) = 0;

  /// The stream is idle: downstream should not wait for its watermarks.
  virtual void mark_idle() = 0;

  /// The stream is active again after mark_idle.
  virtual void mark_active() = 0;
};

/// Decides watermarks from record timestamps and the passing of time.
class watermark_generator {
public:
  virtual ~watermark_generator() = default;

  /// Called for every record, with its (assigned) event timestamp.
  virtual void on_event(timestamp event_ts, watermark_output& out) = 0;

  /// Called every auto-watermark interval.
  virtual void on_periodic_emit(watermark_output& out) = 0;
};

/// Periodic watermarks that trail the highest timestamp seen so far by a
/// fixed bound: a record may be up to `max_out_of_orderness` older than the
/// newest one without being late. Emits `max_ts - max_out_of_orderness - 1`
/// (saturated at min_timestamp) on every periodic emit; nothing before the
/// first event. Throws (ec::invalid_argument) when the bound is negative.
class bounded_out_of_orderness_watermarks : public watermark_generator {
public:
  explicit bounded_out_of_orderness_watermarks(std::chrono::milliseconds max_out_of_orderness)
    : out_of_orderness_(max_out_of_orderness.count()) {
    if (out_of_orderness_ < 0)
      throw exception(ec::invalid_argument,
                      "max_out_of_orderness = " + std::to_string(out_of_orderness_)
                        + "ms: must not be negative");
  }

  void on_event(timestamp event_ts, watermark_output&) override {
    if (!max_ts_ || event_ts > *max_ts_)
      max_ts_ = event_ts;
  }

  void on_periodic_emit(watermark_output& out) override {
    if (!max_ts_)
      return;
    // max_ts - bound - 1 without overflow: min_timestamp + bound + 1 <= 0.
    if (*max_ts_ < min_timestamp + out_of_orderness_ + 1)
      out.emit_watermark(min_timestamp);
    else
      out.emit_watermark(*max_ts_ - out_of_orderness_ - 1);
  }

  std::chrono::milliseconds max_out_of_orderness() const noexcept {
    return std::chrono::milliseconds{out_of_orderness_};
  }

private:
  timestamp out_of_orderness_;
  std::optional<timestamp> max_ts_; // highest event timestamp seen
};

/// For ascending timestamps: bounded out-of-orderness with a zero bound, so
/// the watermark is the highest timestamp seen minus 1 (a record with the
/// same timestamp as the newest one is not late).
class monotonous_watermarks : public bounded_out_of_orderness_watermarks {
public:
  monotonous_watermarks() : bounded_out_of_orderness_watermarks(std::chrono::milliseconds{0}) {
  }
};

/// Emits no watermarks (processing-time pipelines, or event time driven
/// only by end of input).
class no_watermarks_generator : public watermark_generator {
public:
  void on_event(timestamp, watermark_output&) override {
  }
  void on_periodic_emit(watermark_output&) override {
  }
};

/// Wraps a generator and marks the stream idle when no record arrived for
/// `idle_timeout` (Flink's WatermarksWithIdleness), so that a quiet source
/// does not hold back the watermark of the tasks downstream.
///
/// `clock` (milliseconds, any monotonic origin) is read only in
/// on_periodic_emit, never per record: quiet time is measured from the last
/// periodic emit that had seen records (or from the first periodic emit), so
/// idleness is detected up to one emit interval late. While idle, periodic
/// emits are not forwarded and mark_idle is signalled once; the next record
/// signals mark_active before it is forwarded. Throws (ec::invalid_argument)
/// when `inner` or `clock` is empty or `idle_timeout` <= 0.
class watermarks_with_idleness : public watermark_generator {
public:
  watermarks_with_idleness(std::unique_ptr<watermark_generator> inner,
                           std::chrono::milliseconds idle_timeout,
                           std::function<timestamp()> clock)
    : inner_(std::move(inner)), timeout_(idle_timeout.count()), clock_(std::move(clock)) {
    if (timeout_ <= 0)
      throw exception(ec::invalid_argument, "idle_timeout = " + std::to_string(timeout_)
                                              + "ms: must be greater than zero");
    if (!inner_)
      throw exception(ec::invalid_argument, "watermarks_with_idleness: inner generator is null");
    if (!clock_)
      throw exception(ec::invalid_argument, "watermarks_with_idleness: clock is empty");
  }

  void on_event(timestamp event_ts, watermark_output& out) override {
    if (idle_) {
      idle_ = false;
      out.mark_active();
    }
    seen_event_ = true;
    inner_->on_event(event_ts, out);
  }

  void on_periodic_emit(watermark_output& out) override {
    auto now = clock_();
    if (seen_event_ || !quiet_since_) {
      seen_event_ = false;
      quiet_since_ = now;
    } else if (now - *quiet_since_ >= timeout_) {
      if (!idle_) {
        idle_ = true;
        out.mark_idle();
      }
      return;
    }
    inner_->on_periodic_emit(out);
  }

  /// True between the mark_idle and the next record.
  bool is_idle() const noexcept {
    return idle_;
  }

private:
  std::unique_ptr<watermark_generator> inner_;
  timestamp timeout_;
  std::function<timestamp()> clock_;
  std::optional<timestamp> quiet_since_; // clock at the last emit that saw records
  bool seen_event_ = false;              // a record since the last periodic emit
  bool idle_ = false;
};

/// How a stream of T gets event timestamps and watermarks: a generator
/// factory, an optional timestamp assigner and an optional idle timeout.
/// Immutable: the builders return a modified copy.
template <class T>
class watermark_strategy {
public:
  using generator_factory = std::function<std::unique_ptr<watermark_generator>()>;
  /// (element, the record's previous timestamp) -> event timestamp.
  using timestamp_assigner = std::function<timestamp(const T&, timestamp)>;
  using clock = std::function<timestamp()>;

  /// Timestamps ascend per subtask: watermark = highest timestamp - 1.
  static watermark_strategy for_monotonous_timestamps() {
    return watermark_strategy{[] { return std::make_unique<monotonous_watermarks>(); }};
  }

  /// Records may be up to `max_out_of_orderness` late. Throws
  /// (ec::invalid_argument) when negative.
  static watermark_strategy for_bounded_out_of_orderness(std::chrono::milliseconds max_out_of_orderness) {
    bounded_out_of_orderness_watermarks validate{max_out_of_orderness}; // throws when negative
    return watermark_strategy{[max_out_of_orderness] {
      return std::make_unique<bounded_out_of_orderness_watermarks>(max_out_of_orderness);
    }};
  }

  /// No watermarks at all.
  static watermark_strategy no_watermarks() {
    return watermark_strategy{[] { return std::make_unique<no_watermarks_generator>(); }};
  }

  /// A user generator; `factory` is called once per subtask and must not
  /// return nullptr. Throws (ec::invalid_argument) when `factory` is empty.
  static watermark_strategy for_generator(generator_factory factory) {
    if (!factory)
      throw exception(ec::invalid_argument, "for_generator: generator factory is empty");
    return watermark_strategy{std::move(factory)};
  }

  /// Takes event timestamps from the elements. Throws (ec::invalid_argument)
  /// when `assigner` is empty.
  watermark_strategy with_timestamp_assigner(timestamp_assigner assigner) const {
    if (!assigner)
      throw exception(ec::invalid_argument, "with_timestamp_assigner: assigner is empty");
    auto copy = *this;
    copy.assigner_ = std::move(assigner);
    return copy;
  }

  /// Convenience: an assigner that only looks at the element.
  template <class F>
    requires std::invocable<const F&, const T&>
             && (!std::invocable<const F&, const T&, timestamp>)
             && std::convertible_to<std::invoke_result_t<const F&, const T&>, timestamp>
  watermark_strategy with_timestamp_assigner(F fn) const {
    return with_timestamp_assigner(
      timestamp_assigner{[fn = std::move(fn)](const T& x, timestamp) -> timestamp { return fn(x); }});
  }

  /// Marks a subtask's stream idle after `idle_timeout` without records
  /// (see watermarks_with_idleness). Throws (ec::invalid_argument) when
  /// `idle_timeout` <= 0.
  watermark_strategy with_idleness(std::chrono::milliseconds idle_timeout) const {
    if (idle_timeout.count() <= 0)
      throw exception(ec::invalid_argument, "idle_timeout = " + std::to_string(idle_timeout.count())
                                              + "ms: must be greater than zero");
    auto copy = *this;
    copy.idle_timeout_ = idle_timeout;
    return copy;
  }

  /// A fresh generator for one subtask, wrapped in watermarks_with_idleness
  /// when an idle timeout is set (`now` is then its clock and must not be
  /// empty; it is unused otherwise). Throws (ec::invalid_argument) when the
  /// factory returns nullptr or `now` is missing.
  std::unique_ptr<watermark_generator> make_generator(clock now) const {
    auto gen = factory_();
    if (!gen)
      throw exception(ec::invalid_argument, "watermark_strategy: generator factory returned null");
    if (!idle_timeout_)
      return gen;
    return std::make_unique<watermarks_with_idleness>(std::move(gen), *idle_timeout_, std::move(now));
  }

  /// The event timestamp of `element`: the assigner's result, or `previous`
  /// (the timestamp the record already carries) without an assigner. May
  /// throw whatever the user's assigner throws.
  timestamp extract_timestamp(const T& element, timestamp previous) const {
    return assigner_ ? assigner_(element, previous) : previous;
  }

  bool has_timestamp_assigner() const noexcept {
    return static_cast<bool>(assigner_);
  }

  std::optional<std::chrono::milliseconds> idle_timeout() const noexcept {
    return idle_timeout_;
  }

private:
  explicit watermark_strategy(generator_factory factory) : factory_(std::move(factory)) {
  }

  generator_factory factory_;
  timestamp_assigner assigner_;
  std::optional<std::chrono::milliseconds> idle_timeout_;
};

} // namespace sluice
