// Window triggers (Flink's Trigger): when a window's contents are emitted
// (fire) and when they are dropped (purge).
//
// A trigger is a stateless (const) object shared by every key and window of one
// window operator instance; what it needs to remember per (key, window)
// lives in the operator's keyed state, reached through its
// `trigger_context`: timers (event and processing time, per key and
// window) and one 64-bit value (the count of a count trigger). The window
// operator sets the key and window of the context before every call.
//
// Plain classes, no CAF. Called from the one subtask hosting the operator.
// Built-in triggers: event_time_trigger (the default of event-time
// assigners), processing_time_trigger (of processing-time assigners),
// count_trigger (fires every n elements), purging_trigger (turns a fire
// into fire-and-purge). Custom triggers (e.g. for global windows) derive
// from window_trigger.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "actors/contract/operator.hpp"

namespace sluice {

/// What a trigger decides (Flink's TriggerResult).
enum class trigger_result : uint8_t { continue_, fire, purge, fire_and_purge };

inline bool fires(trigger_result r) noexcept {
  return r == trigger_result::fire || r == trigger_result::fire_and_purge;
}

inline bool purges(trigger_result r) noexcept {
  return r == trigger_result::purge || r == trigger_result::fire_and_purge;
}

/// What a trigger sees of the current key and window.
class trigger_context {
public:
  virtual ~trigger_context() = default;

  /// Calls the trigger's on_event_time with `time` once the watermark
  /// passed it (for the current key and window).
  virtual void register_event_time_timer(timestamp time) = 0;
  virtual void delete_event_time_timer(timestamp time) = 0;

  /// Calls on_processing_time once the wall clock passed `time`.
  virtual void register_processing_time_timer(timestamp time) = 0;
  virtual void delete_processing_time_timer(timestamp time) = 0;

  virtual timestamp current_watermark() const noexcept = 0;
  virtual timestamp processing_time() const noexcept = 0;

  /// The trigger's value for the current key and window (keyed state,
  /// checkpointed with the window); nullopt when unset.
  virtual std::optional<int64_t> value() = 0;
  virtual void set_value(int64_t v) = 0;
  virtual void clear_value() = 0;
};

/// A trigger over windows of type W.
template <class W>
class window_trigger {
public:
  virtual ~window_trigger() = default;

  /// An element with timestamp `ts` entered window `w`.
  virtual trigger_result on_element(timestamp ts, const W& w, trigger_context& ctx) const = 0;

  /// An event-time timer of this trigger fired.
  virtual trigger_result on_event_time(timestamp time, const W& w, trigger_context& ctx) const = 0;

  /// A processing-time timer of this trigger fired.
  virtual trigger_result on_processing_time(timestamp time, const W& w, trigger_context& ctx) const
    = 0;

  /// Whether the trigger works with merging (session) windows.
  virtual bool can_merge() const noexcept {
    return false;
  }

  /// Windows were merged into `w` (their values are gone; timers of the
  /// merged windows were deleted): set up `w`.
  virtual void on_merge(const W& w, trigger_context& ctx) const {
    (void) w;
    (void) ctx;
  }

  /// The window is being dropped: delete what the trigger keeps for it.
  virtual void clear(const W& w, trigger_context& ctx) const = 0;
};

template <class W>
using trigger_ptr = std::shared_ptr<const window_trigger<W>>;

/// Fires once the watermark passes the window's end (Flink's
/// EventTimeTrigger); a late element of a window that still exists
/// (allowed lateness) fires it again at once.
template <class W>
class event_time_trigger final : public window_trigger<W> {
public:
  trigger_result on_element(timestamp, const W& w, trigger_context& ctx) const override {
    if (w.max_timestamp() <= ctx.current_watermark())
      return trigger_result::fire;
    ctx.register_event_time_timer(w.max_timestamp());
    return trigger_result::continue_;
  }

  trigger_result on_event_time(timestamp time, const W& w, trigger_context&) const override {
    return time == w.max_timestamp() ? trigger_result::fire : trigger_result::continue_;
  }

  trigger_result on_processing_time(timestamp, const W&, trigger_context&) const override {
    return trigger_result::continue_;
  }

  bool can_merge() const noexcept override {
    return true;
  }

  void on_merge(const W& w, trigger_context& ctx) const override {
    if (w.max_timestamp() > ctx.current_watermark())
      ctx.register_event_time_timer(w.max_timestamp());
  }

  void clear(const W& w, trigger_context& ctx) const override {
    ctx.delete_event_time_timer(w.max_timestamp());
  }
};

/// Fires once the wall clock passes the window's end (Flink's
/// ProcessingTimeTrigger).
template <class W>
class processing_time_trigger final : public window_trigger<W> {
public:
  trigger_result on_element(timestamp, const W& w, trigger_context& ctx) const override {
    ctx.register_processing_time_timer(w.max_timestamp());
    return trigger_result::continue_;
  }

  trigger_result on_event_time(timestamp, const W&, trigger_context&) const override {
    return trigger_result::continue_;
  }

  trigger_result on_processing_time(timestamp, const W&, trigger_context&) const override {
    return trigger_result::fire;
  }

  bool can_merge() const noexcept override {
    return true;
  }

  void on_merge(const W& w, trigger_context& ctx) const override {
    if (w.max_timestamp() > ctx.processing_time())
      ctx.register_processing_time_timer(w.max_timestamp());
  }

  void clear(const W& w, trigger_context& ctx) const override {
    ctx.delete_processing_time_timer(w.max_timestamp());
  }
};

/// Fires every `n` elements of a window (Flink's CountTrigger); the count
/// is the trigger's value and restarts after each fire.
template <class W>
class count_trigger final : public window_trigger<W> {
public:
  /// Throws sluice::exception(ec::invalid_argument) unless n > 0.
  static std::shared_ptr<count_trigger> of(int64_t n) {
    if (n <= 0)
      throw exception(ec::invalid_argument,
                      "count trigger needs a positive count, got " + std::to_string(n));
    return std::shared_ptr<count_trigger>(new count_trigger(n));
  }

  trigger_result on_element(timestamp, const W&, trigger_context& ctx) const override {
    auto count = ctx.value().value_or(0) + 1;
    if (count >= n_) {
      ctx.clear_value();
      return trigger_result::fire;
    }
    ctx.set_value(count);
    return trigger_result::continue_;
  }

  trigger_result on_event_time(timestamp, const W&, trigger_context&) const override {
    return trigger_result::continue_;
  }

  trigger_result on_processing_time(timestamp, const W&, trigger_context&) const override {
    return trigger_result::continue_;
  }

  void clear(const W&, trigger_context& ctx) const override {
    ctx.clear_value();
  }

  int64_t count() const noexcept {
    return n_;
  }

private:
  explicit count_trigger(int64_t n) : n_(n) {
  }

  int64_t n_;
};

/// Makes every fire of `inner` a fire-and-purge (Flink's PurgingTrigger).
template <class W>
class purging_trigger final : public window_trigger<W> {
public:
  static std::shared_ptr<purging_trigger> of(trigger_ptr<W> inner) {
    return std::make_shared<purging_trigger>(std::move(inner));
  }

  explicit purging_trigger(trigger_ptr<W> inner) : inner_(std::move(inner)) {
  }

  trigger_result on_element(timestamp ts, const W& w, trigger_context& ctx) const override {
    return purge(inner_->on_element(ts, w, ctx));
  }

  trigger_result on_event_time(timestamp t, const W& w, trigger_context& ctx) const override {
    return purge(inner_->on_event_time(t, w, ctx));
  }

  trigger_result on_processing_time(timestamp t, const W& w, trigger_context& ctx) const override {
    return purge(inner_->on_processing_time(t, w, ctx));
  }

  bool can_merge() const noexcept override {
    return inner_->can_merge();
  }

  void on_merge(const W& w, trigger_context& ctx) const override {
    inner_->on_merge(w, ctx);
  }

  void clear(const W& w, trigger_context& ctx) const override {
    inner_->clear(w, ctx);
  }

private:
  static trigger_result purge(trigger_result r) noexcept {
    return fires(r) ? trigger_result::fire_and_purge : r;
  }

  trigger_ptr<W> inner_;
};

} // namespace sluice
