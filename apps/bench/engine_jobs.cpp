#include "apps/bench/engine_jobs.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "operators/environment.hpp"

namespace sluice::bench {

namespace {

/// Shared by every subtask of a tally sink; read after the job ended.
struct tally {
  std::atomic<uint64_t> count{0};
  std::atomic<uint64_t> sum{0};
};

/// Counts records and sums `value(record)`: one pass and two atomic adds
/// per batch; then sleeps `delay` when it is not 0 (a slow sink).
template <class T, class F>
class tally_sink final : public stream_operator {
public:
  tally_sink(std::shared_ptr<tally> out, F value, std::chrono::microseconds delay)
    : out_(std::move(out)), value_(value), delay_(delay) {
  }

  void process(const batch_ptr& in, operator_context&) override {
    auto& xs = records_of<T>(*in);
    uint64_t sum = 0;
    for (auto& x : xs)
      sum += static_cast<uint64_t>(value_(x));
    out_->count.fetch_add(xs.size(), std::memory_order_relaxed);
    out_->sum.fetch_add(sum, std::memory_order_relaxed);
    if (delay_.count() > 0)
      std::this_thread::sleep_for(delay_);
  }

private:
  std::shared_ptr<tally> out_;
  F value_;
  std::chrono::microseconds delay_;
};

template <class T, class F>
void add_tally_sink(const stream<T>& in, std::shared_ptr<tally> out, F value,
                    std::chrono::microseconds delay = std::chrono::microseconds{0}) {
  in.template then<T>("tally-sink", [out, value, delay] {
    return std::make_unique<tally_sink<T, F>>(out, value, delay);
  });
}

/// Instance k of n emits the records of index k, k + n, ... below `count`.
class strided_source : public source_operator {
public:
  explicit strided_source(uint64_t count) : count_(count) {
  }

  void open(operator_context& ctx) override {
    next_ = ctx.info().subtask_index;
    stride_ = ctx.info().parallelism;
  }

protected:
  /// Records left for this instance, at most `max`.
  size_t take(size_t max) const noexcept {
    if (next_ >= count_)
      return 0;
    auto left = (count_ - next_ + stride_ - 1) / stride_;
    return left < max ? static_cast<size_t>(left) : max;
  }

  source_step step() const noexcept {
    return {next_ < count_ ? source_step::more : source_step::finished};
  }

  uint64_t count_;
  uint64_t next_ = 0;
  uint64_t stride_ = 1;
};

/// passthrough: sequence_value(i).
class sequence_source final : public strided_source {
public:
  using strided_source::strided_source;

  source_step emit_next(operator_context& ctx, size_t max_records) override {
    auto n = take(max_records);
    if (n == 0)
      return step();
    std::vector<int64_t> out(n);
    auto i = next_; // locals: stores into `out` could alias the members
    auto stride = stride_;
    for (auto& x : out) {
      x = sequence_value(i);
      i += stride;
    }
    next_ = i;
    ctx.emit(make_batch(std::move(out)));
    return step();
  }
};

/// word-count: line l of make_line (count_ is the number of lines).
class line_source final : public strided_source {
public:
  line_source(uint64_t words, uint64_t keys)
    : strided_source(lines_for(words)), words_(words), keys_(keys) {
  }

  source_step emit_next(operator_context& ctx, size_t max_records) override {
    auto n = take(max_records);
    std::vector<std::string> out(n);
    for (size_t j = 0; j < n; ++j, next_ += stride_)
      make_line(next_, words_, keys_, out[j]);
    if (n > 0)
      ctx.emit(make_batch(std::move(out)));
    return step();
  }

private:
  uint64_t words_;
  uint64_t keys_;
};

/// (key, 1) records, summed per key by keyed `sum<1>()` (Flink's word count).
using key_count = std::pair<std::string, int64_t>;

/// Key selector returning a reference: the exchange and the keyed operator
/// hash and serialize the key without copying it.
auto key_of = [](const key_count& x) -> const std::string& { return x.first; };

auto count_of = [](const key_count& x) { return x.second; };

/// Waits for `job` to end, collecting every completed checkpoint on the way.
job_result wait_collecting_checkpoints(const job_client& job, engine_run& r) {
  std::map<uint64_t, checkpoint_stats_entry> completed;
  auto collect = [&] {
    r.checkpoint_stats = job.checkpoint_stats();
    for (auto& e : r.checkpoint_stats.history)
      if (e.status == checkpoint_status::completed)
        completed.emplace(e.checkpoint_id, e);
  };
  for (;;) {
    auto result = job.wait_for(std::chrono::milliseconds{10});
    collect();
    if (result) {
      for (auto& [id, e] : completed)
        r.completed_checkpoints.push_back(e);
      return *result;
    }
  }
}

/// Starts the actor system, then times `execute` of the job built by `build`.
template <class Build>
engine_run run(const engine_options& opts, const char* name, Build build) {
  engine_run r;
  auto out = std::make_shared<tally>();
  {
    environment env{opts.pipeline()};
    env.set_checkpoint_config(opts.checkpointing);
    env.set_state_config(opts.state);
    env.system(); // start the actor system outside the clock
    build(env, out);
    auto start = std::chrono::steady_clock::now();
    if (opts.checkpointing.enabled())
      r.result = wait_collecting_checkpoints(env.execute_async(name), r);
    else
      r.result = env.execute(name);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  r.received.count = out->count.load();
  r.received.sum = out->sum.load();
  return r;
}

auto identity = [](auto x) { return x; };

} // namespace

checkpoint_config engine_options::checkpoints_every(std::chrono::milliseconds interval,
                                                    bool unaligned) {
  checkpoint_config c;
  c.interval = interval;
  c.mode = checkpointing_mode::exactly_once;
  c.unaligned = unaligned;
  c.aligned_timeout = std::chrono::milliseconds{0};
  c.storage = checkpoint_storage_type::memory;
  c.externalized = externalized_cleanup::none;
  return c;
}

pipeline_config engine_options::pipeline() const {
  auto cfg = default_pipeline_config();
  cfg.parallelism = parallelism;
  if (batch_size > 0)
    cfg.batch_size = batch_size;
  cfg.threads = threads;
  if (buffers_per_channel > 0)
    cfg.buffers_per_channel = buffers_per_channel;
  return cfg;
}

engine_run run_passthrough(const engine_options& opts) {
  return run(opts, "bench passthrough", [&](environment& env, std::shared_ptr<tally> out) {
    auto records = opts.records;
    auto src = env.add_source<int64_t>(
      "sequence", [records] { return std::make_unique<sequence_source>(records); });
    auto mapped = src.map([](int64_t x) { return x + 1; });
    add_tally_sink(mapped, out, identity);
  });
}

engine_run run_keyed_count(const engine_options& opts) {
  return run(opts, "bench keyed-count", [&](environment& env, std::shared_ptr<tally> out) {
    click_source_options gen;
    gen.count = opts.records;
    gen.users = opts.keys;
    auto counts = env.click_events(gen)
                    .map([](const event& e) { return key_count{e.user, 1}; })
                    .key_by(key_of)
                    .template sum<1>();
    add_tally_sink(counts, out, count_of, opts.sink_delay);
  });
}

engine_run run_word_count(const engine_options& opts) {
  return run(opts, "bench word-count", [&](environment& env, std::shared_ptr<tally> out) {
    auto words = opts.records;
    auto keys = opts.keys;
    auto lines = env.add_source<std::string>(
      "lines", [words, keys] { return std::make_unique<line_source>(words, keys); });
    auto split = lines.flat_map<key_count>([](const std::string& line,
                                              collector<key_count>& c) {
      std::string_view rest = line;
      while (!rest.empty()) {
        auto word = rest.substr(0, rest.find(' '));
        rest.remove_prefix(word.size() < rest.size() ? word.size() + 1 : word.size());
        c.collect(key_count{std::string{word}, 1});
      }
    });
    auto counts = split.key_by(key_of).template sum<1>();
    add_tally_sink(counts, out, count_of);
  });
}

} // namespace sluice::bench
