// Keyed process functions (Flink's KeyedProcessFunction) and the operator
// that hosts them. The operator computes each record's key with the same key
// selector the hash exchange used, makes it the current key of the keyed
// state backend, then calls the user function.
#pragma once

#include <memory>
#include <string>
#include <typeinfo>
#include <vector>

#include "actors/contract/operator.hpp"
#include "operators/collector.hpp"
#include "operators/output_tag.hpp"
#include "operators/timer_service.hpp"
#include "snapshot/key_groups.hpp"
#include "snapshot/keyed_state_backend.hpp"

namespace sluice {

/// Makes `key` the current key of `state`, serializing it into `buf` (a
/// buffer the caller reuses, so no allocation once it fits the longest key).
/// Fails the job (throws) when the key's group is not owned by this subtask:
/// the hash exchange and the operator disagree, a programmer error.
template <class K>
void set_current_key_checked(keyed_state_backend& state, const K& key,
                             const operator_context& ctx) {
  if (!state.set_current_key_of(key)) {
    auto range = state.range();
    ctx.fail("record with key group " + std::to_string(state.current_key_group())
             + " reached a subtask owning key groups " + std::to_string(range.first) + ".."
             + std::to_string(range.last));
  }
}

/// What a keyed process function sees while it runs (Flink's
/// KeyedProcessFunction.Context and OnTimerContext in one).
template <class K>
class keyed_context {
public:
  using timers_type = timer_service<K, no_namespace>;

  /// `sides`: the types the job reads this operator's side outputs as
  /// (nullptr: none is read).
  keyed_context(operator_context& ctx, keyed_state_backend& state,
                const side_output_types* sides = nullptr)
    : ctx_(&ctx), state_(&state), sides_(sides) {
  }

  /// Emits `x` on side output `tag` (Flink's ctx.output(tag, value)), with
  /// the timestamp of the record or timer being handled; read with
  /// `get_side_output(tag)` on the operator's stream. Dropped when nothing
  /// reads `tag`; fails the job when it is read as another record type.
  template <class X>
  void output(const output_tag<X>& tag, X x) {
    auto* type = sides_ != nullptr ? sides_->reader(tag.id()) : nullptr;
    if (type == nullptr)
      return;
    if (*type != typeid(X))
      fail("side output '" + tag.id() + "' is read as another record type than emitted");
    std::vector<sluice::timestamp> ts;
    if (time_ != min_timestamp)
      ts.push_back(time_);
    ctx_->emit_side(tag.id(), make_batch(std::vector<X>{std::move(x)}, std::move(ts)));
  }

  /// The key of the record being processed, or of the timer firing (only
  /// inside process_element and on_timer).
  const K& current_key() const noexcept {
    return *key_;
  }

  /// Inside process_element: the record's timestamp (min_timestamp when
  /// the stream has none); inside on_timer: the timer's time.
  sluice::timestamp timestamp() const noexcept {
    return time_;
  }

  /// Inside on_timer: which clock the firing timer follows.
  sluice::time_domain time_domain() const noexcept {
    return domain_;
  }

  /// Calls on_timer for the current key once the watermark passed `time`
  /// (Flink's TimerService.registerEventTimeTimer). Timers are keyed state:
  /// checkpointed, restored and rescaled with the key. Registering the same
  /// time twice makes one timer.
  void register_event_time_timer(sluice::timestamp time) {
    timers().register_timer(sluice::time_domain::event_time, *key_, time, no_namespace{});
  }

  /// Calls on_timer for the current key once the wall clock passed `time`.
  void register_processing_time_timer(sluice::timestamp time) {
    timers().register_timer(sluice::time_domain::processing_time, *key_, time, no_namespace{});
  }

  void delete_event_time_timer(sluice::timestamp time) {
    timers().delete_timer(sluice::time_domain::event_time, time, no_namespace{});
  }

  void delete_processing_time_timer(sluice::timestamp time) {
    timers().delete_timer(sluice::time_domain::processing_time, time, no_namespace{});
  }

  /// The timers of this operator (created on first use, or at open when
  /// the restored state has some).
  timers_type& timers() {
    if (!timers_)
      timers_ = std::make_unique<timers_type>(*state_, timer_state_name);
    return *timers_;
  }

  bool has_timers() const noexcept {
    return timers_ != nullptr;
  }

  /// The keyed state holding the timers.
  static constexpr const char* timer_state_name = "_timers";

  /// Registers or looks up keyed state of any kind (value_state_descriptor,
  /// list_state_descriptor, map_state_descriptor, reducing_state_descriptor,
  /// aggregating_state_descriptor: see keyed_state_backend::get_state); call
  /// it in `open` and keep the reference: it follows the current key.
  template <class Descriptor>
  auto& state(const Descriptor& desc) {
    return state_->get_state(desc);
  }

  sluice::timestamp current_watermark() const noexcept {
    return ctx_->current_watermark();
  }

  sluice::timestamp processing_time() const noexcept {
    return ctx_->processing_time();
  }

  const subtask_info& info() const noexcept {
    return ctx_->info();
  }

  [[noreturn]] void fail(const std::string& reason) const {
    ctx_->fail(reason);
  }

  const K* key_ = nullptr;
  sluice::timestamp time_ = min_timestamp;
  sluice::time_domain domain_ = sluice::time_domain::event_time;

private:
  operator_context* ctx_;
  keyed_state_backend* state_;
  const side_output_types* sides_;
  std::unique_ptr<timers_type> timers_;
};

/// Subclass it and pass an instance to `keyed_stream::process`; every
/// subtask gets its own copy (like Flink, which deserializes one per task).
template <class K, class In, class Out>
class keyed_process_function {
public:
  using key_type = K;
  using input_type = In;
  using output_type = Out;

  virtual ~keyed_process_function() = default;

  /// Before the first record: register state here.
  virtual void open(keyed_context<K>&) {
  }

  virtual void process_element(const In& value, keyed_context<K>& ctx,
                               collector<Out>& out) = 0;

  /// A timer registered through the context fired: `time` is its time,
  /// ctx.current_key() its key, ctx.time_domain() its clock. What it emits
  /// carries `time` as timestamp (event time) or none (processing time).
  virtual void on_timer(timestamp time, keyed_context<K>& ctx, collector<Out>& out) {
    (void) time;
    (void) ctx;
    (void) out;
  }

  /// End of input.
  virtual void close(keyed_context<K>&, collector<Out>&) {
  }
};

template <class K, class In, class Out, class Fn, class KeyFn>
class keyed_process_operator final : public stream_operator {
public:
  keyed_process_operator(Fn fn, KeyFn key, std::shared_ptr<const side_output_types> sides = {})
    : fn_(std::move(fn)), key_(std::move(key)), sides_(std::move(sides)) {
  }

  void open(operator_context& ctx) override {
    auto* state = ctx.keyed_state();
    if (state == nullptr)
      ctx.fail("keyed process operator without keyed state");
    kctx_ = std::make_unique<keyed_context<K>>(ctx, *state, sides_.get());
    for (auto& name : state->unclaimed_restored_states())
      if (name == keyed_context<K>::timer_state_name)
        kctx_->timers().restore_queues();
    fn_.open(*kctx_);
    request_processing_time(ctx);
  }

  void process(const batch_ptr& in, operator_context& ctx) override {
    auto& state = *ctx.keyed_state();
    auto& xs = records_of<In>(*in);
    auto& ts = in->timestamps();
    std::vector<Out> out;
    std::vector<timestamp> out_ts;
    collector<Out> c{out};
    for (size_t i = 0; i < xs.size(); ++i) {
      const K& key = key_(xs[i]); // binds a returned reference, or extends a temporary
      set_current_key_checked(state, key, ctx);
      kctx_->key_ = &key;
      kctx_->time_ = ts.empty() ? min_timestamp : ts[i];
      fn_.process_element(xs[i], *kctx_, c);
      if (!ts.empty())
        out_ts.resize(out.size(), ts[i]);
    }
    kctx_->key_ = nullptr;
    if (!out.empty())
      ctx.emit(make_batch(std::move(out), std::move(out_ts)));
    request_processing_time(ctx);
  }

  void on_watermark(timestamp wm, operator_context& ctx) override {
    fire(time_domain::event_time, wm, ctx);
  }

  void on_processing_time(timestamp now, operator_context& ctx) override {
    fire(time_domain::processing_time, now, ctx);
  }

  void close(operator_context& ctx) override {
    std::vector<Out> out;
    collector<Out> c{out};
    fn_.close(*kctx_, c);
    if (!out.empty())
      ctx.emit(make_batch(std::move(out)));
  }

private:
  /// Fires the timers of domain `d` due at `time`.
  void fire(time_domain d, timestamp time, operator_context& ctx) {
    if (!kctx_->has_timers())
      return;
    std::vector<Out> out;
    std::vector<timestamp> out_ts;
    collector<Out> c{out};
    kctx_->timers().fire(d, time, [&](const K& key, timestamp t, const no_namespace&) {
      kctx_->key_ = &key;
      kctx_->time_ = t;
      kctx_->domain_ = d;
      fn_.on_timer(t, *kctx_, c);
      out_ts.resize(out.size(), t);
    });
    kctx_->key_ = nullptr;
    if (d == time_domain::processing_time)
      out_ts.clear(); // results of processing-time timers carry no timestamp
    if (!out.empty())
      ctx.emit(make_batch(std::move(out), std::move(out_ts)));
    request_processing_time(ctx);
  }

  void request_processing_time(operator_context& ctx) {
    if (kctx_->has_timers())
      if (auto next = kctx_->timers().next(time_domain::processing_time); next != max_timestamp)
        ctx.request_processing_time(next);
  }

  Fn fn_;
  KeyFn key_;
  std::shared_ptr<const side_output_types> sides_;
  std::unique_ptr<keyed_context<K>> kctx_;
};

} // namespace sluice
