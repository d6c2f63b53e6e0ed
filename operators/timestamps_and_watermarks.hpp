// The operator behind `stream::assign_timestamps_and_watermarks(strategy)`
// (Flink's TimestampsAndWatermarksOperator): gives every record its event
// timestamp (the strategy's assigner, else the timestamp it already had)
// and runs the strategy's watermark generator: on every record
// (`on_event`), and every `pipeline.auto-watermark-interval` of processing
// time (`on_periodic_emit`). Watermarks from upstream are swallowed, as in
// Flink: this operator is the stream's watermark source from here on; only
// the end-of-input watermark passes.
//
// Idleness (with_idleness): the generator's mark_idle / mark_active go
// downstream as a watermark status, so operators reading several inputs
// compute their watermark without an idle one (watermark_tracker).
//
// Plain class, no CAF.
#pragma once

#include <memory>
#include <vector>

#include "actors/operator.hpp"
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
    for (size_t i = 0; i < xs.size(); ++i) {
      ts[i] = strategy_.extract_timestamp(xs[i], before.empty() ? min_timestamp : before[i]);
      generator_->on_event(ts[i], out_);
    }
    ctx.emit(make_batch(xs, std::move(ts))); // records copied: batches are immutable
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
  struct output final : watermark_output {
    operator_context* ctx = nullptr;
    timestamp last = min_timestamp;
    bool idle = false;

    void emit_watermark(timestamp wm) override {
      if (wm <= last)
        return;
      last = wm;
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
};

} // namespace sluice
