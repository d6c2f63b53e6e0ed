#include "apps/bench/window_bench.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <vector>

#include "actors/job/runtime.hpp"
#include "operators/environment.hpp"

namespace sluice::bench {

namespace {

/// What the window aggregate keeps per (auction, window) and emits.
struct auction_count {
  int64_t auction = 0;
  int64_t count = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, auction_count& x) {
  return f(x.auction, x.count);
}

/// An auction's bid count in the window ending at `window_end`.
struct window_count {
  int64_t window_end = 0;
  int64_t auction = 0;
  int64_t count = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, window_count& x) {
  return f(x.window_end, x.auction, x.count);
}

/// The leaders of one window so far (keyed by window end).
struct window_leaders {
  int64_t count = 0;
  std::vector<int64_t> auctions;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, window_leaders& x) {
  return f(x.count, x.auctions);
}

/// Instance k of n emits bids k, k + n, ... below `opts.bids`, without
/// timestamps (the watermark assigner reads date_time).
class bid_source final : public source_operator {
public:
  explicit bid_source(q5_options opts) : opts_(opts) {
  }

  void open(operator_context& ctx) override {
    next_ = ctx.info().subtask_index;
    stride_ = ctx.info().parallelism;
  }

  source_step emit_next(operator_context& ctx, size_t max_records) override {
    std::vector<bid> out;
    out.reserve(max_records);
    for (; next_ < opts_.bids && out.size() < max_records; next_ += stride_)
      out.push_back(bid_at(opts_, next_));
    if (!out.empty())
      ctx.emit(make_batch(std::move(out)));
    return {next_ < opts_.bids ? source_step::more : source_step::finished};
  }

private:
  q5_options opts_;
  uint64_t next_ = 0;
  uint64_t stride_ = 1;
};

/// Counts bids (Flink's AggregateFunction); the accumulator carries the
/// auction because `result` sees only the accumulator.
struct count_bids {
  auction_count create() const {
    return {};
  }
  auction_count add(const bid& b, auction_count acc) const {
    return {b.auction, acc.count + 1};
  }
  auction_count result(const auction_count& acc) const {
    return acc;
  }
  auction_count merge(auction_count a, const auction_count& b) const {
    return {a.auction, a.count + b.count};
  }
};

/// Adds the window end to each window result: a window result carries the
/// window's max timestamp (end - 1) as its record timestamp. (Flink would
/// pass the window to a ProcessWindowFunction next to the aggregate;
/// sluice's `aggregate` takes no window function, so this reads the
/// timestamp instead.)
class stamp_window_end final : public stream_operator {
public:
  void process(const batch_ptr& in, operator_context& ctx) override {
    auto& xs = records_of<auction_count>(*in);
    auto& ts = in->timestamps();
    if (ts.size() != xs.size())
      ctx.fail("nexmark-q5: a window result without its timestamp");
    std::vector<window_count> out(xs.size());
    for (size_t i = 0; i < xs.size(); ++i)
      out[i] = window_count{ts[i] + 1, xs[i].auction, xs[i].count};
    ctx.emit(make_batch(std::move(out), ts));
  }
};

/// Keyed by window end: the auctions with the most bids, emitted by an
/// event-time timer at the window's max timestamp, when every count of the
/// window has arrived (the windows upstream fire before the watermark that
/// passes their end goes on).
class max_per_window final
  : public keyed_process_function<int64_t, window_count, hot_item> {
public:
  void open(keyed_context<int64_t>& ctx) override {
    leaders_ = &ctx.state(value_state_descriptor<window_leaders>{"leaders"});
  }

  void process_element(const window_count& c, keyed_context<int64_t>& ctx,
                       collector<hot_item>&) override {
    auto* l = leaders_->find();
    if (l == nullptr) {
      leaders_->emplace(window_leaders{c.count, {c.auction}});
      ctx.register_event_time_timer(c.window_end - 1);
    } else if (c.count > l->count) {
      l->count = c.count;
      l->auctions.assign(1, c.auction);
    } else if (c.count == l->count) {
      l->auctions.push_back(c.auction);
    }
  }

  void on_timer(timestamp, keyed_context<int64_t>& ctx, collector<hot_item>& out) override {
    auto* l = leaders_->find();
    if (l == nullptr)
      return;
    std::sort(l->auctions.begin(), l->auctions.end());
    for (auto a : l->auctions)
      out.collect(hot_item{ctx.current_key(), a, l->count});
    leaders_->clear();
  }

private:
  value_state<window_leaders>* leaders_ = nullptr;
};

struct q5_run {
  std::vector<hot_item> answer; // sorted
  double seconds = 0;
  job_result result;
  std::vector<checkpoint_stats_entry> completed_checkpoints;
  checkpoint_stats_snapshot checkpoint_stats;
};

/// Builds and times the engine job (the actor system starts before the
/// clock, as for the other workloads); collects every completed checkpoint
/// by polling the statistics every 10 ms.
q5_run run_engine(const engine_options& opts, const q5_options& q) {
  q5_run r;
  collected_ptr<hot_item> sink;
  {
    environment env{opts.pipeline()};
    env.set_checkpoint_config(opts.checkpointing);
    env.set_state_config(opts.state);
    env.system();
    auto strategy = watermark_strategy<bid>::for_bounded_out_of_orderness(
                      std::chrono::milliseconds{q.out_of_orderness_ms})
                      .with_timestamp_assigner([](const bid& b) { return b.date_time; });
    auto counts = env.add_source<bid>("bids", [q] { return std::make_unique<bid_source>(q); })
                    .assign_timestamps_and_watermarks(strategy)
                    .key_by([](const bid& b) { return b.auction; })
                    .window(sliding_event_time_windows::of(
                      std::chrono::milliseconds{q5_window_size_ms},
                      std::chrono::milliseconds{q5_window_slide_ms}))
                    .aggregate(count_bids{});
    sink = counts
             .then<window_count>("window-end",
                                 [] { return std::make_unique<stamp_window_end>(); })
             .key_by([](const window_count& c) { return c.window_end; })
             .process(max_per_window{})
             .collect();
    auto start = std::chrono::steady_clock::now();
    auto job = env.execute_async("bench nexmark-q5");
    std::map<uint64_t, checkpoint_stats_entry> completed;
    for (;;) {
      auto result = job.wait_for(std::chrono::milliseconds{10});
      r.checkpoint_stats = job.checkpoint_stats();
      for (auto& e : r.checkpoint_stats.history)
        if (e.status == checkpoint_status::completed)
          completed.emplace(e.checkpoint_id, e);
      if (result) {
        r.result = *result;
        break;
      }
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (auto& [id, e] : completed)
      r.completed_checkpoints.push_back(e);
  }
  r.answer = sink->values();
  std::sort(r.answer.begin(), r.answer.end());
  return r;
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec * 1e-6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

std::ostream& operator<<(std::ostream& os, const hot_item& x) {
  return os << "(window end " << x.window_end << ", auction " << x.auction << ", " << x.count
            << " bids)";
}

/// Prints the first difference of two sorted answers and returns true, or
/// returns false when they are equal.
bool differ(const std::vector<hot_item>& engine, const std::vector<hot_item>& expected) {
  if (engine == expected)
    return false;
  auto [a, b] = std::mismatch(engine.begin(), engine.end(), expected.begin(), expected.end());
  std::cerr << "sluice-bench: nexmark-q5: the engine's answer differs from the baseline's: "
            << engine.size() << " hot items against " << expected.size()
            << "; first difference at row " << (a - engine.begin()) << ": engine ";
  if (a != engine.end())
    std::cerr << *a;
  else
    std::cerr << "(none)";
  std::cerr << ", baseline ";
  if (b != expected.end())
    std::cerr << *b;
  else
    std::cerr << "(none)";
  std::cerr << "\n";
  return true;
}

} // namespace

int bench_nexmark_q5(const engine_options& base, uint64_t event_rate, std::ostream& out,
                     std::chrono::milliseconds checkpoint_interval) {
  q5_options q;
  q.bids = base.records;
  q.auctions = std::max<uint64_t>(base.keys, 1);
  q.event_rate = std::max<uint64_t>(event_rate, 1);
  auto opts = base;
  opts.checkpointing = engine_options::checkpoints_every(checkpoint_interval);

  auto cpu = cpu_seconds();
  auto engine = run_engine(opts, q);
  auto engine_cpu = cpu_seconds() - cpu;
  auto engine_rss = peak_rss_mb();
  if (engine.result.status != job_status::finished) {
    std::cerr << "sluice-bench: nexmark-q5: the job ended " << to_string(engine.result.status)
              << ": " << engine.result.message << "\n";
    return 1;
  }
  auto start = std::chrono::steady_clock::now();
  auto expected = nexmark_q5_baseline(q);
  auto baseline_seconds
    = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (differ(engine.answer, expected))
    return 1;

  size_t windows = 0;
  for (size_t i = 0; i < expected.size(); ++i)
    if (i == 0 || expected[i].window_end != expected[i - 1].window_end)
      ++windows;
  double ms_sum = 0, ms_max = 0, kb_sum = 0;
  for (auto& e : engine.completed_checkpoints) {
    auto ms = std::chrono::duration<double, std::milli>(e.end_to_end_duration).count();
    ms_sum += ms;
    ms_max = std::max(ms_max, ms);
    kb_sum += static_cast<double>(e.state_size) / 1024.0;
  }
  auto completed = static_cast<double>(std::max<size_t>(engine.completed_checkpoints.size(), 1));
  auto n = static_cast<double>(q.bids);
  auto engine_seconds = std::max(engine.seconds, 1e-9);
  baseline_seconds = std::max(baseline_seconds, 1e-9);
  auto engine_rps = n / engine_seconds;
  auto baseline_rps = n / baseline_seconds;
  auto per_core = n / std::max(engine_cpu, 1e-9);
  std::ostringstream json;
  json << "{\"workload\":\"nexmark-q5\",\"records\":" << q.bids << ",\"keys\":" << q.auctions
       << ",\"parallelism\":" << opts.parallelism << ",\"batch_size\":"
       << (opts.batch_size > 0 ? opts.batch_size : default_pipeline_config().batch_size)
       << ",\"event_rate\":" << q.event_rate
       << ",\"out_of_orderness_ms\":" << q.out_of_orderness_ms
       << ",\"checkpoint_interval_ms\":" << checkpoint_interval.count()
       << ",\"windows\":" << windows << ",\"hot_items\":" << expected.size() << std::fixed
       << std::setprecision(0) << ",\"engine_rps\":" << engine_rps
       << ",\"baseline_rps\":" << baseline_rps << std::setprecision(3)
       << ",\"ratio\":" << engine_rps / baseline_rps << std::setprecision(0)
       << ",\"engine_rps_per_core\":" << per_core << std::setprecision(3)
       << ",\"ratio_per_core\":" << per_core / baseline_rps << std::setprecision(4)
       << ",\"engine_seconds\":" << engine.seconds
       << ",\"baseline_seconds\":" << baseline_seconds
       << ",\"engine_cpu_seconds\":" << engine_cpu
       << ",\"checkpoints_completed\":" << engine.checkpoint_stats.counts.completed
       << ",\"checkpoints_failed\":" << engine.checkpoint_stats.counts.failed
       << std::setprecision(1) << ",\"mean_checkpoint_ms\":" << ms_sum / completed
       << ",\"max_checkpoint_ms\":" << ms_max << ",\"mean_state_kb\":" << kb_sum / completed
       << ",\"peak_rss_mb\":" << peak_rss_mb() << ",\"engine_peak_rss_mb\":" << engine_rss
       << "}\n";
  out << json.str() << std::flush;
  return 0;
}

} // namespace sluice::bench
