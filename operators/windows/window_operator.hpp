// The window operator (Flink's WindowOperator) on a keyed stream: assigns
// each element to windows, keeps each (key, window)'s contents in keyed
// state, asks the trigger when to emit and purge, and drops a window's
// state once event time (or the wall clock) passed its end plus the
// allowed lateness.
//
// Keyed state (both backends; snapshotted, restored and rescaled per key
// group like any keyed state, so windows survive failures, savepoints and
// rescaling):
//   "window-contents"  map window -> accumulator (window_functions.hpp)
//   "window-trigger"   map window -> the trigger's value
//   "window-timers"    the key's timers (timer_service.hpp), namespace =
//                      window: the trigger's and the cleanup timers
//   "window-merging"   merging (session) windows: window -> state window
//                      (merging_window_set), so merging never moves state
//                      but the merged windows' contents into one.
//
// Time: an event-time assigner places an element by the record's
// timestamp (the batch's timestamps, set by assign_timestamps_and_watermarks;
// a record without one fails the job naming the remedy); a processing-time
// assigner by the wall clock. An element all of whose windows are already
// cleaned up (event time: window end + allowed lateness <= watermark) is
// late: it goes to the late-data side output when there is one
// (`late_tag`, windowed_stream::side_output_late_data), with its timestamp,
// else it is dropped and counted (`late_records_dropped`). Results carry the window's
// max timestamp as their record timestamp. At end of input the max
// watermark fires every event-time window; pending processing-time windows
// are not fired (as in Flink's streaming mode).
//
// Plain class, no CAF; hosted by one subtask.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "actors/contract/operator.hpp"
#include "operators/keyed_process.hpp"
#include "operators/timer_service.hpp"
#include "operators/windows/triggers.hpp"
#include "operators/windows/window_assigners.hpp"
#include "operators/windows/window_functions.hpp"

namespace sluice {

template <class K, class T, class W, class Assigner, class Contents, class KeyFn>
class window_operator final : public stream_operator {
public:
  using acc_type = typename Contents::accumulator;
  using out_type = typename Contents::output_type;

  /// Throws sluice::exception(ec::invalid_argument) for a trigger that
  /// cannot merge on a merging assigner, or a negative lateness.
  /// `late_tag`: the side output of late elements (empty: drop them).
  window_operator(Assigner assigner, trigger_ptr<W> trigger, timestamp allowed_lateness,
                  Contents contents, KeyFn key, std::string late_tag = {})
    : assigner_(std::move(assigner)), trigger_(std::move(trigger)),
      lateness_(allowed_lateness), contents_(std::move(contents)), key_(std::move(key)),
      late_tag_(std::move(late_tag)) {
    if (assigner_.is_merging() && !trigger_->can_merge())
      throw exception(ec::invalid_argument,
                      "the window trigger cannot merge windows: it cannot be used with "
                      "session windows");
    if (lateness_ < 0)
      throw exception(ec::invalid_argument, "allowed lateness must not be negative, got "
                                              + std::to_string(lateness_) + " ms");
    // The default triggers register a timer at the max timestamp of every
    // window they see (event time: every window that is not late). That is
    // the cleanup time too when nothing extends it (processing time, or no
    // allowed lateness), so the cleanup timer would be the same timer.
    trigger_registers_cleanup_
      = assigner_.is_event_time()
          ? lateness_ == 0 && dynamic_cast<const event_time_trigger<W>*>(trigger_.get()) != nullptr
          : dynamic_cast<const processing_time_trigger<W>*>(trigger_.get()) != nullptr;
  }

  /// Late elements dropped so far (not counting those sent to the late-data
  /// side output).
  uint64_t late_records_dropped() const noexcept {
    return dropped_;
  }

  void open(operator_context& ctx) override {
    auto* state = ctx.keyed_state();
    if (state == nullptr)
      ctx.fail("window operator without keyed state");
    state_ = state;
    ctx_ = &ctx;
    // The engine's own states: no time-to-live (keyed_state_backend::no_ttl).
    contents_state_
      = &state->get_state(map_state_descriptor<W, acc_type>{"window-contents"}, no_ttl);
    trigger_state_ = &state->get_state(map_state_descriptor<W, int64_t>{"window-trigger"}, no_ttl);
    if (assigner_.is_merging())
      merging_state_ = &state->get_state(
        value_state_descriptor<std::vector<std::pair<W, W>>>{"window-merging"}, no_ttl);
    timers_ = std::make_unique<timer_service<K, W>>(*state, "window-timers");
    timers_->restore_queues();
    request_processing_time();
  }

  void process(const batch_ptr& in, operator_context& ctx) override {
    auto& xs = records_of<T>(*in);
    auto& ts = in->timestamps();
    bool event_time = assigner_.is_event_time();
    if (event_time && ts.empty() && !xs.empty())
      ctx.fail("an event-time window got records without timestamps: call "
               "assign_timestamps_and_watermarks(...) before key_by");
    auto now = ctx.processing_time();
    for (size_t i = 0; i < xs.size(); ++i) {
      auto& x = xs[i];
      const K& key = key_(x);
      set_current_key_checked(*state_, key, ctx);
      auto t = event_time ? ts[i] : now;
      auto element_ts = ts.empty() ? min_timestamp : ts[i];
      if (!add_element(key, x, t, element_ts) && is_element_late(t)) {
        if (late_tag_.empty()) {
          ++dropped_;
        } else {
          late_.push_back(x);
          late_ts_.push_back(element_ts);
        }
      }
    }
    if (!late_.empty()) {
      ctx.emit_side(late_tag_, make_batch(std::move(late_), std::move(late_ts_)));
      late_ = {};
      late_ts_ = {};
    }
    flush(ctx);
  }

  void on_watermark(timestamp wm, operator_context& ctx) override {
    timers_->fire(time_domain::event_time, wm, [&](const K& key, timestamp t, const W& w) {
      on_timer(time_domain::event_time, key, t, w);
    });
    flush(ctx);
  }

  void on_processing_time(timestamp now, operator_context& ctx) override {
    timers_->fire(time_domain::processing_time, now,
                  [&](const K& key, timestamp t, const W& w) {
                    on_timer(time_domain::processing_time, key, t, w);
                  });
    flush(ctx);
  }

private:
  /// The trigger's view of one (key, window).
  class trigger_ctx final : public trigger_context {
  public:
    trigger_ctx(window_operator& op, const K& key, const W& w) : op_(&op), key_(&key), w_(&w) {
    }
    void register_event_time_timer(timestamp t) override {
      op_->timers_->register_timer(time_domain::event_time, *key_, t, *w_);
    }
    void delete_event_time_timer(timestamp t) override {
      op_->timers_->delete_timer(time_domain::event_time, t, *w_);
    }
    void register_processing_time_timer(timestamp t) override {
      op_->timers_->register_timer(time_domain::processing_time, *key_, t, *w_);
    }
    void delete_processing_time_timer(timestamp t) override {
      op_->timers_->delete_timer(time_domain::processing_time, t, *w_);
    }
    timestamp current_watermark() const noexcept override {
      return op_->ctx_->current_watermark();
    }
    timestamp processing_time() const noexcept override {
      return op_->ctx_->processing_time();
    }
    std::optional<int64_t> value() override {
      if (auto* v = std::as_const(*op_->trigger_state_).get(*w_))
        return *v;
      return std::nullopt;
    }
    void set_value(int64_t v) override {
      op_->trigger_state_->put(*w_, v);
    }
    void clear_value() override {
      op_->trigger_state_->remove(*w_);
    }

  private:
    window_operator* op_;
    const K* key_;
    const W* w_;
  };

  /// Adds `x` to the windows of time `t` (event or processing time); the
  /// trigger sees the record's own timestamp `element_ts` (Flink's
  /// onElement(element, element.getTimestamp(), ...)). False when every
  /// window was late.
  bool add_element(const K& key, const T& x, timestamp t, timestamp element_ts) {
    windows_.clear();
    assigner_.assign(t, windows_);
    if constexpr (std::is_same_v<W, time_window>)
      if (merging_state_ != nullptr)
        return add_merging(key, x, element_ts);
    bool added = false;
    for (auto& w : windows_) {
      if (is_window_late(w))
        continue;
      added = true;
      add_to(w, x);
      trigger_ctx tc{*this, key, w};
      apply(trigger_->on_element(element_ts, w, tc), key, w, w);
      register_cleanup_timer(key, w);
    }
    return added;
  }

  bool add_merging(const K& key, const T& x, timestamp element_ts) {
    merging_window_set set{merging_state_->value_or({})};
    bool added = false;
    for (auto& w : windows_) {
      auto actual = set.add_window(
        w, [&](const W& result, const std::vector<W>& merged, const W& state_result,
               const std::vector<W>& merged_state) {
          for (auto& m : merged) {
            trigger_ctx mc{*this, key, m};
            trigger_->clear(m, mc);
            delete_cleanup_timer(m);
          }
          merge_contents(state_result, merged_state);
          trigger_ctx rc{*this, key, result};
          trigger_->on_merge(result, rc);
        });
      if (is_window_late(actual)) {
        if (auto sw = set.state_window(actual))
          contents_state_->remove(*sw);
        set.retire_window(actual);
        continue;
      }
      added = true;
      auto sw = *set.state_window(actual);
      add_to(sw, x);
      trigger_ctx tc{*this, key, actual};
      apply(trigger_->on_element(element_ts, actual, tc), key, actual, sw);
      register_cleanup_timer(key, actual);
    }
    save(set);
    return added;
  }

  void merge_contents(const W& into, const std::vector<W>& from) {
    for (auto& sw : from) {
      if (sw == into)
        continue;
      auto* src = contents_state_->get(sw);
      if (src == nullptr)
        continue;
      auto moved = std::move(*src);
      contents_state_->remove(sw);
      if (auto* dst = contents_state_->get(into))
        *dst = contents_.merge(std::move(*dst), std::move(moved));
      else
        contents_state_->put(into, std::move(moved));
    }
  }

  void save(const merging_window_set& set) {
    if (set.empty())
      merging_state_->clear();
    else
      merging_state_->update(
        std::vector<std::pair<W, W>>(set.mapping().begin(), set.mapping().end()));
  }

  void add_to(const W& sw, const T& x) {
    if (auto* acc = contents_state_->get(sw))
      contents_.add(*acc, x);
    else
      contents_state_->put(sw, contents_.create(x));
  }

  /// Acts on a trigger's decision for window `w` whose contents are in `sw`.
  void apply(trigger_result r, const K& key, const W& w, const W& sw) {
    if (fires(r))
      if (auto* acc = contents_state_->get(sw)) {
        window_context<W> wc{w, ctx_->current_watermark(), ctx_->processing_time()};
        contents_.emit(key, wc, *acc, out_);
        out_ts_.resize(out_.size(), w.max_timestamp());
      }
    if (purges(r))
      contents_state_->remove(sw);
  }

  void on_timer(time_domain d, const K& key, timestamp t, const W& w) {
    std::optional<merging_window_set> set;
    W sw = w;
    if constexpr (std::is_same_v<W, time_window>)
      if (merging_state_ != nullptr) {
        set.emplace(merging_state_->value_or({}));
        auto found = set->state_window(w);
        if (!found)
          return; // merged into another window meanwhile
        sw = *found;
      }
    trigger_ctx tc{*this, key, w};
    auto r = d == time_domain::event_time ? trigger_->on_event_time(t, w, tc)
                                          : trigger_->on_processing_time(t, w, tc);
    apply(r, key, w, sw);
    if (is_cleanup_time(d, w, t)) {
      contents_state_->remove(sw);
      trigger_->clear(w, tc);
      trigger_state_->remove(w);
      if constexpr (std::is_same_v<W, time_window>)
        if (set) {
          set->retire_window(w);
          save(*set);
        }
    }
  }

  timestamp cleanup_time(const W& w) const noexcept {
    auto end = w.max_timestamp();
    if (!assigner_.is_event_time())
      return end;
    return end > max_timestamp - lateness_ ? max_timestamp : end + lateness_;
  }

  bool is_cleanup_time(time_domain d, const W& w, timestamp t) const noexcept {
    bool right_domain = (d == time_domain::event_time) == assigner_.is_event_time();
    return right_domain && t == cleanup_time(w) && t != max_timestamp;
  }

  bool is_window_late(const W& w) const noexcept {
    return assigner_.is_event_time() && cleanup_time(w) <= ctx_->current_watermark();
  }

  bool is_element_late(timestamp t) const noexcept {
    // t + lateness <= watermark, without overflow near either end.
    return assigner_.is_event_time() && t <= max_timestamp - lateness_
           && t + lateness_ <= ctx_->current_watermark();
  }

  void register_cleanup_timer(const K& key, const W& w) {
    if (trigger_registers_cleanup_)
      return; // the trigger's timer is the cleanup timer (saves a lookup)
    auto t = cleanup_time(w);
    if (t == max_timestamp)
      return; // global window: never cleaned up
    timers_->register_timer(assigner_.is_event_time() ? time_domain::event_time
                                                      : time_domain::processing_time,
                            key, t, w);
  }

  void delete_cleanup_timer(const W& w) {
    auto t = cleanup_time(w);
    if (t != max_timestamp)
      timers_->delete_timer(assigner_.is_event_time() ? time_domain::event_time
                                                      : time_domain::processing_time,
                            t, w);
  }

  /// Emits what fired and asks for the next processing-time callback.
  void flush(operator_context& ctx) {
    if (!out_.empty()) {
      ctx.emit(make_batch(std::move(out_), std::move(out_ts_)));
      out_ = {};
      out_ts_ = {};
    }
    request_processing_time();
  }

  void request_processing_time() {
    auto next = timers_->next(time_domain::processing_time);
    if (next != max_timestamp)
      ctx_->request_processing_time(next);
  }

  Assigner assigner_;
  trigger_ptr<W> trigger_;
  timestamp lateness_;
  Contents contents_;
  KeyFn key_;
  std::string late_tag_;
  /// Whether the trigger registers every window's cleanup timer itself.
  bool trigger_registers_cleanup_ = false;
  uint64_t dropped_ = 0;
  keyed_state_backend* state_ = nullptr;
  operator_context* ctx_ = nullptr;
  map_state<W, acc_type>* contents_state_ = nullptr;
  map_state<W, int64_t>* trigger_state_ = nullptr;
  value_state<std::vector<std::pair<W, W>>>* merging_state_ = nullptr;
  std::unique_ptr<timer_service<K, W>> timers_;
  std::vector<W> windows_;
  std::vector<out_type> out_;
  std::vector<timestamp> out_ts_;
  /// Late elements of the batch being processed (late-data side output).
  std::vector<T> late_;
  std::vector<timestamp> late_ts_;
};

} // namespace sluice

// The common key and window types' state tables are compiled once, in the library.
#include "operators/windows/common_window_tables.hpp"
