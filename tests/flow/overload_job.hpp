// The overload job of the flow-control tests: a source that produces as
// fast as it can feeds, through a rebalance exchange, a sink that sleeps
// per batch (a slow external system). Used by backpressure_test.cpp and by
// the sluice-flow-overload program (RSS is measured in its own process).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "operators/environment.hpp"

namespace sluice::testing {

/// 64 bytes, so queued records show up in the resident set size.
struct padded_record {
  uint64_t seq = 0;
  std::array<uint64_t, 7> payload{};
};

/// Emits `count` records, `max_records` per step, as fast as allowed.
class counting_source final : public source_operator {
public:
  explicit counting_source(uint64_t count) : remaining_(count) {
  }

  source_step emit_next(operator_context& ctx, size_t max_records) override {
    if (remaining_ == 0)
      return {source_step::finished};
    auto n = std::min<uint64_t>(remaining_, max_records);
    std::vector<padded_record> xs(n);
    for (auto& x : xs)
      x.seq = next_++;
    remaining_ -= n;
    ctx.emit(make_batch(std::move(xs)));
    return {source_step::more};
  }

private:
  uint64_t remaining_;
  uint64_t next_ = 0;
};

/// Sleeps `delay` per batch, then counts the records.
class throttled_sink final : public stream_operator {
public:
  throttled_sink(std::chrono::microseconds delay, std::shared_ptr<std::atomic<uint64_t>> n)
    : delay_(delay), received_(std::move(n)) {
  }

  void process(const batch_ptr& in, operator_context&) override {
    std::this_thread::sleep_for(delay_);
    *received_ += in->size();
  }

private:
  std::chrono::microseconds delay_;
  std::shared_ptr<std::atomic<uint64_t>> received_;
};

struct overload_options {
  /// Records per source subtask.
  uint64_t records = 100'000;
  uint32_t sources = 1;
  uint32_t sinks = 1;
  uint32_t batch_size = 1024;
  std::chrono::microseconds sink_delay{500};
  bool credit_based = true;
};

struct overload_outcome {
  job_result result;
  uint64_t received = 0;
};

inline overload_outcome run_overload(const overload_options& o) {
  auto cfg = default_pipeline_config();
  cfg.batch_size = o.batch_size;
  cfg.credit_based = o.credit_based;
  cfg.threads = 2;
  environment env{cfg};
  auto received = std::make_shared<std::atomic<uint64_t>>(0);
  auto records = o.records;
  env.add_source<padded_record>(
       "counting-source", [records] { return std::make_unique<counting_source>(records); },
       o.sources)
    .rebalance()
    .then<padded_record>("throttled-sink",
                         [o, received] {
                           return std::make_unique<throttled_sink>(o.sink_delay, received);
                         })
    .parallelism(o.sinks);
  overload_outcome out;
  out.result = env.execute("overload");
  out.received = received->load();
  return out;
}

} // namespace sluice::testing
