// The operator behind `stream::assign_timestamps_and_watermarks(strategy)`
// (Flink's TimestampsAndWatermarksOperator): gives every record its event
// timestamp (the strategy's assigner, else the timestamp it already had)
// and runs the strategy's watermark generator: on every record
// (`on_event`), and every `pipeline.auto-watermark-interval` of processing
// time (`on_periodic_emit`). Watermarks from upstream are swallowed, as in
// Flink: this operator is the stream's watermark source from here on; only
// the end-of-input watermark passes.
//
// A watermark the generator emits while it sees a record (a punctuated
// generator) follows that record: the records before it go out first.
//
// Idleness (with_idleness): the generator's mark_idle / mark_active go
// downstream as a watermark status, so operators reading several inputs
// compute their watermark without an idle one (watermark_tracker).
//
// Plain class, no CAF.
#pragma once

#include <memory>
#include <vector>

#include "actors/contract/operator.hpp"
#include "operators/watermark_strategy.hpp"

namespace sluice {

template <class T>
class timestamps_and_watermarks_operator final : public stream_operator {
public:
  explicit timestamps_and_watermarks_operator(watermark_strategy<T> strategy)
    : strategy_(std::move(strategy)) {
  }

  void open(operator_context& ctx) override {
    out_.ctx = &ctx;
    out_.owner = this;
    auto* c = &ctx;
    generator_ = strategy_.make_generator([c] { return c->processing_time(); });
    interval_ = ctx.info().auto_watermark_interval_ms;
    if (interval_ > 0)
      ctx.request_processing_time(ctx.processing_time() + interval_);
  }

  void process(const batch_ptr& in, operator_context& ctx) override {
    auto& xs = records_of<T>(*in);
    auto& before = in->timestamps();
    std::vector<timestamp> ts(xs.size());
    out_.ctx = &ctx;
    xs_ = &xs;
    ts_ = &ts;
    sent_ = 0;
    for (size_t i = 0; i < xs.size(); ++i) {
      ts[i] = strategy_.extract_timestamp(xs[i], before.empty() ? min_timestamp : before[i]);
      seen_ = i + 1;
      generator_->on_event(ts[i], out_);
    }
    emit_seen();
    xs_ = nullptr;
    ts_ = nullptr;
  }

  void on_processing_time(timestamp now, operator_context& ctx) override {
    generator_->on_periodic_emit(out_);
    if (interval_ > 0)
      ctx.request_processing_time(now + interval_);
  }

  bool forwards_watermarks() const noexcept override {
    return false;
  }

  /// Whether the generator declared the stream idle.
  bool idle() const noexcept {
    return out_.idle;
  }

private:
  /// Emits the records of the current batch seen but not sent yet, with
  /// their timestamps (copied: batches are immutable).
  void emit_seen() {
    if (xs_ == nullptr || seen_ == sent_)
      return;
    if (sent_ == 0 && seen_ == xs_->size()) {
      out_.ctx->emit(make_batch(*xs_, std::move(*ts_)));
    } else {
      std::vector<T> part(xs_->begin() + sent_, xs_->begin() + seen_);
      std::vector<timestamp> part_ts(ts_->begin() + sent_, ts_->begin() + seen_);
      out_.ctx->emit(make_batch(std::move(part), std::move(part_ts)));
    }
    sent_ = seen_;
  }

  struct output final : watermark_output {
    operator_context* ctx = nullptr;
    timestamps_and_watermarks_operator* owner = nullptr;
    timestamp last = min_timestamp;
    bool idle = false;

    void emit_watermark(timestamp wm) override {
      if (wm <= last)
        return;
      last = wm;
      owner->emit_seen(); // the records before this watermark go first
      ctx->emit_watermark(wm);
    }
    void mark_idle() override {
      if (!idle)
        ctx->emit_watermark_status(true);
      idle = true;
    }
    void mark_active() override {
      if (idle)
        ctx->emit_watermark_status(false);
      idle = false;
    }
  };

  watermark_strategy<T> strategy_;
  std::unique_ptr<watermark_generator> generator_;
  output out_;
  timestamp interval_ = 0;
  /// The batch being processed: its records, their timestamps, how many
  /// the generator saw and how many went out.
  const std::vector<T>* xs_ = nullptr;
  std::vector<timestamp>* ts_ = nullptr;
  size_t seen_ = 0;
  size_t sent_ = 0;
};

} // namespace sluice
