#include "apps/jobs/consistency_levels.hpp"

#include <atomic>
#include <iomanip>
#include <memory>
#include <mutex>
#include <utility>

#include "actors/fault/fault_injector.hpp"
#include "operators/environment.hpp"

namespace sluice::apps {

namespace {

using user_count = std::pair<std::string, int64_t>;

/// The seeds' ConsistentStateProcessFunction: a visit count per user.
class visit_counter final : public keyed_process_function<std::string, event, user_count> {
public:
  void open(keyed_context<std::string>& ctx) override {
    count_ = &ctx.state(value_state_descriptor<int64_t>{"visit-count"});
  }

  void process_element(const event& e, keyed_context<std::string>&,
                       collector<user_count>& out) override {
    auto n = count_->value_or(0) + 1;
    count_->update(n);
    out.collect(user_count{e.user, n});
  }

private:
  value_state<int64_t>* count_ = nullptr;
};

/// A source that cannot rewind: every attempt's subtasks take events from
/// one shared cursor, so what a failed attempt took is gone (a socket, a
/// queue without replay). Keeps no state.
class forgetful_click_source final : public source_operator {
public:
  forgetful_click_source(click_source_options opts, std::shared_ptr<std::atomic<uint64_t>> cursor)
    : opts_(opts), cursor_(std::move(cursor)) {
  }

  void open(operator_context&) override {
    started_ = std::chrono::steady_clock::now();
  }

  source_step emit_next(operator_context& ctx, size_t max_records) override {
    if (opts_.rate > 0) {
      auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_);
      auto due = static_cast<uint64_t>(elapsed.count() * opts_.rate / parallelism(ctx)) + 1;
      if (due <= emitted_)
        return {source_step::idle, std::chrono::microseconds{1000}};
      max_records = std::min<uint64_t>(max_records, due - emitted_);
    }
    std::vector<event> out;
    while (out.size() < max_records) {
      auto i = cursor_->fetch_add(1);
      if (i >= opts_.count)
        break;
      out.push_back(click_event_at(opts_, i));
    }
    emitted_ += out.size();
    bool done = out.size() < max_records;
    if (!out.empty())
      ctx.emit(make_batch(std::move(out)));
    return {done ? source_step::finished : source_step::more};
  }

private:
  static double parallelism(operator_context& ctx) {
    return static_cast<double>(ctx.info().parallelism);
  }

  click_source_options opts_;
  std::shared_ptr<std::atomic<uint64_t>> cursor_;
  std::chrono::steady_clock::time_point started_;
  uint64_t emitted_ = 0;
};

/// Each user's latest count, over all attempts.
struct latest_counts {
  std::mutex mtx;
  std::map<std::string, int64_t> by_user;
};

} // namespace

click_source_options consistency_options::defaults() {
  click_source_options o;
  o.count = 3000;
  o.rate = 2000;
  o.users = 0; // the seeds' Mary, Alice, Bob, Cary
  o.seed = 42;
  return o;
}

fault_injection_spec consistency_options::default_faults() {
  fault_injection_spec f;
  f.seed = 1;
  f.kills = 3;
  f.min_interval = std::chrono::milliseconds{200};
  f.max_interval = std::chrono::milliseconds{350};
  return f;
}

const char* to_string(consistency_level level) noexcept {
  switch (level) {
    case consistency_level::at_most_once: return "at-most-once";
    case consistency_level::at_least_once: return "at-least-once";
    case consistency_level::exactly_once: return "exactly-once";
  }
  return "?";
}

int64_t level_outcome::lost() const {
  int64_t n = 0;
  for (auto& [user, u] : users)
    n += std::max<int64_t>(0, u.expected - u.observed);
  return n;
}

int64_t level_outcome::duplicated() const {
  int64_t n = 0;
  for (auto& [user, u] : users)
    n += std::max<int64_t>(0, u.observed - u.expected);
  return n;
}

level_outcome run_consistency_level(consistency_level level, const consistency_options& opts) {
  auto pc = default_pipeline_config();
  pc.parallelism = opts.parallelism;
  environment env{pc};
  env.set_restart_strategy(restart_config::fixed_delay(100, std::chrono::milliseconds{0}));
  if (level != consistency_level::at_most_once) {
    checkpoint_config cfg;
    cfg.interval = opts.checkpoint_interval;
    cfg.mode = level == consistency_level::exactly_once ? checkpointing_mode::exactly_once
                                                        : checkpointing_mode::at_least_once;
    env.set_checkpoint_config(cfg);
  }
  auto clicks = level == consistency_level::at_most_once
                  ? env.add_source<event>(
                      "forgetful-clicks",
                      [o = opts.clicks, cursor = std::make_shared<std::atomic<uint64_t>>(0)] {
                        return std::make_unique<forgetful_click_source>(o, cursor);
                      })
                  : env.click_events(opts.clicks);
  clicks.uid("clicks");
  auto latest = std::make_shared<latest_counts>();
  clicks.key_by([](const event& e) { return e.user; })
    .process(visit_counter{})
    .uid("visit-count")
    .sink_to([latest](std::vector<user_count> batch) {
      std::lock_guard guard{latest->mtx};
      for (auto& [user, n] : batch)
        latest->by_user[user] = n;
    });
  auto job = env.execute_async(std::string{"consistency-"} + to_string(level));
  start_fault_injector(env.system(), job, opts.faults);
  auto result = job.wait();
  level_outcome outcome;
  outcome.level = level;
  outcome.restarts = result.restarts.restarts;
  if (result.status != job_status::finished)
    outcome.failure = result.message;
  for (uint64_t i = 0; i < opts.clicks.count; ++i)
    ++outcome.users[click_event_at(opts.clicks, i).user].expected;
  std::lock_guard guard{latest->mtx};
  for (auto& [user, n] : latest->by_user)
    outcome.users[user].observed = n;
  return outcome;
}

int consistency_levels(const consistency_options& opts, std::ostream& out, std::ostream& log) {
  int rc = 0;
  for (auto level : {consistency_level::at_most_once, consistency_level::at_least_once,
                     consistency_level::exactly_once}) {
    log << "sluice: consistency-levels: running " << to_string(level) << '\n';
    auto r = run_consistency_level(level, opts);
    out << to_string(level) << ": " << r.restarts << " restarts";
    if (!r.failure.empty()) {
      out << ", the job failed: " << r.failure;
      rc = 1;
    }
    out << '\n'
        << "  " << std::left << std::setw(10) << "user" << std::right << std::setw(10)
        << "expected" << std::setw(10) << "observed" << std::setw(8) << "lost" << std::setw(12)
        << "duplicated" << '\n';
    int64_t expected = 0, observed = 0;
    for (auto& [user, u] : r.users) {
      out << "  " << std::left << std::setw(10) << user << std::right << std::setw(10)
          << u.expected << std::setw(10) << u.observed << std::setw(8)
          << std::max<int64_t>(0, u.expected - u.observed) << std::setw(12)
          << std::max<int64_t>(0, u.observed - u.expected) << '\n';
      expected += u.expected;
      observed += u.observed;
    }
    out << "  " << std::left << std::setw(10) << "total" << std::right << std::setw(10)
        << expected << std::setw(10) << observed << std::setw(8) << r.lost() << std::setw(12)
        << r.duplicated() << '\n';
  }
  return rc;
}

} // namespace sluice::apps
