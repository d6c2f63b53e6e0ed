// A source whose end the test owns, and kills timed by the data instead of
// the clock (the fault tests that kill random subtasks of a bounded job).
//
// `gated_source` wraps a source and forwards every hook to it; once the
// wrapped source is done it does not finish but idles until the test
// releases the `source_gate` they share. So the job cannot end before the
// test has injected all its faults: every scheduled kill lands on a running
// job, and a test can assert that as many kills (and restarts) happened as
// it scheduled. A restarted attempt replays up to the end and holds again.
// The gate also counts what the sources of the newest attempt emitted and
// whether all of them hold at their end: `kill_randomly` waits on those
// events (and on the job's restart count) instead of sleeping.
//
// Used from the Boost.Test thread (the gate and kill_randomly) and from the
// subtasks (the wrapper): the gate is thread-safe.
#pragma once

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/contract/operator.hpp"
#include "actors/job/job_master.hpp"
#include "actors/job/runtime.hpp"
#include "tests/poll_until.hpp"

namespace sluice::testing {

/// Shared by a test and every instance (all subtasks, all attempts) of its
/// gated sources. `instances` is the number of gated source subtasks of one
/// attempt (the sum of their parallelisms).
class source_gate {
public:
  explicit source_gate(uint32_t instances) : instances_(instances) {
  }

  /// Lets the sources end once their wrapped sources are done. The test
  /// calls it after its last fault.
  void release() {
    std::lock_guard<std::mutex> guard{mtx_};
    released_ = true;
  }

  bool released() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return released_;
  }

  /// What the sources of the newest attempt did so far.
  struct view {
    /// The newest attempt (subtask_info::attempt) whose sources opened; 0
    /// before any did.
    uint64_t attempt = 0;
    /// Its source instances that opened.
    uint32_t opened = 0;
    /// Records they emitted (replays after a restore count again).
    uint64_t emitted = 0;
    /// Whether every source instance of the attempt reached the end of its
    /// input and holds there: no more records come until the release.
    bool all_held = false;
  };

  view now() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return view{attempt_, opened_, emitted_, held_ >= instances_};
  }

  /// Records emitted by all instances of all attempts.
  uint64_t total_emitted() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return total_emitted_;
  }

  // Called by gated_source (subtask threads).

  void on_open(uint64_t attempt) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (attempt > attempt_) {
      attempt_ = attempt;
      opened_ = 0;
      emitted_ = 0;
      held_ = 0;
    }
    if (attempt == attempt_)
      ++opened_;
  }

  void on_emit(uint64_t attempt, uint64_t records) {
    std::lock_guard<std::mutex> guard{mtx_};
    total_emitted_ += records;
    if (attempt == attempt_)
      emitted_ += records;
  }

  void on_held(uint64_t attempt) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (attempt == attempt_)
      ++held_;
  }

private:
  const uint32_t instances_;
  mutable std::mutex mtx_;
  bool released_ = false;
  uint64_t attempt_ = 0;
  uint32_t opened_ = 0;
  uint64_t emitted_ = 0;
  uint32_t held_ = 0;
  uint64_t total_emitted_ = 0;
};

/// An operator_context that counts the records emitted through it and
/// forwards everything to the host's context.
class counting_context final : public operator_context {
public:
  explicit counting_context(operator_context& host) : host_(host) {
  }

  uint64_t records = 0;

  void emit(batch_ptr b) override {
    records += b->size();
    host_.emit(std::move(b));
  }
  void emit_watermark(timestamp wm) override {
    host_.emit_watermark(wm);
  }
  void emit_watermark_status(bool idle) override {
    host_.emit_watermark_status(idle);
  }
  void emit_side(const std::string& tag, batch_ptr b) override {
    records += b->size();
    host_.emit_side(tag, std::move(b));
  }
  keyed_state_backend* keyed_state() noexcept override {
    return host_.keyed_state();
  }
  timestamp current_watermark() const noexcept override {
    return host_.current_watermark();
  }
  timestamp processing_time() const noexcept override {
    return host_.processing_time();
  }
  void request_processing_time(timestamp at) override {
    host_.request_processing_time(at);
  }
  operator_metrics& metrics() noexcept override {
    return host_.metrics();
  }
  const subtask_info& info() const noexcept override {
    return host_.info();
  }

private:
  operator_context& host_;
};

/// Forwards every hook to `inner`, reports to `gate` when it opened and
/// what it emitted, and once `inner` finished, idles (asking again every
/// `poll`) until the gate is released, then finishes.
class gated_source final : public source_operator {
public:
  gated_source(std::unique_ptr<source_operator> inner, std::shared_ptr<source_gate> gate,
               std::chrono::microseconds poll = std::chrono::milliseconds{1})
    : inner_(std::move(inner)), gate_(std::move(gate)), poll_(poll) {
  }

  void initialize_state(const initialization_context& ctx) override {
    inner_->initialize_state(ctx);
  }

  void open(operator_context& ctx) override {
    inner_->open(ctx);
    attempt_ = ctx.info().attempt;
    gate_->on_open(attempt_);
  }

  source_step emit_next(operator_context& ctx, size_t max_records) override {
    if (!ended_) {
      counting_context counted{ctx};
      auto step = inner_->emit_next(counted, max_records);
      if (counted.records > 0)
        gate_->on_emit(attempt_, counted.records);
      if (step.status != source_step::finished)
        return step;
      ended_ = true;
    }
    if (gate_->released())
      return {source_step::finished};
    if (!held_) {
      held_ = true;
      gate_->on_held(attempt_);
    }
    return {source_step::idle, poll_};
  }

  bool replayable() const noexcept override {
    return inner_->replayable();
  }
  void on_watermark(timestamp wm, operator_context& ctx) override {
    inner_->on_watermark(wm, ctx);
  }
  void on_processing_time(timestamp now, operator_context& ctx) override {
    inner_->on_processing_time(now, ctx);
  }
  bool forwards_watermarks() const noexcept override {
    return inner_->forwards_watermarks();
  }
  void snapshot_state(const snapshot_context& ctx) override {
    inner_->snapshot_state(ctx);
  }
  operator_state_modes list_state_modes() const override {
    return inner_->list_state_modes();
  }
  void notify_checkpoint_complete(uint64_t id) override {
    inner_->notify_checkpoint_complete(id);
  }
  void notify_checkpoint_aborted(uint64_t id) override {
    inner_->notify_checkpoint_aborted(id);
  }
  void close(operator_context& ctx) override {
    inner_->close(ctx);
  }

private:
  std::unique_ptr<source_operator> inner_;
  std::shared_ptr<source_gate> gate_;
  std::chrono::microseconds poll_;
  uint64_t attempt_ = 0;
  bool ended_ = false;
  bool held_ = false;
};

/// The subtask actors of the job's current attempt (empty when the master
/// does not answer).
inline std::vector<subtask_actor> subtasks_of(const job_client& job) {
  caf::scoped_actor self{system_of(job)};
  std::vector<subtask_actor> result;
  self->request(master_of(job), caf::infinite, subtasks_atom::value)
    .receive([&](std::vector<subtask_actor>& xs) { result = std::move(xs); },
             [&](caf::error&) {});
  return result;
}

/// Random kills of a job whose sources are gated.
struct kill_plan {
  size_t kills = 0;
  uint64_t seed = 1;
  /// Before each kill, the sources of the attempt then running emit a
  /// uniformly random number of records in [min_records, max_records]
  /// (the kill moment, counted in data, not time), unless all of them
  /// hold at their end before.
  uint64_t min_records = 0;
  uint64_t max_records = 0;
  /// The first kill also waits for a completed checkpoint (so a restart
  /// restores one).
  bool after_a_checkpoint = false;
  /// Hang guard of each wait, never the property under test.
  std::chrono::milliseconds timeout = std::chrono::seconds{60};
};

/// What kill_randomly did.
struct kill_report {
  /// Kills sent, each of which the job answered with a restart.
  size_t kills = 0;
  /// Of them, kills sent while every source held at its end.
  size_t at_the_end = 0;
};

/// Kills `plan.kills` random subtasks of `job`, one at a time, while the
/// sources behind `gate` are held (the caller releases the gate after).
/// Kill k waits until the attempt then running opened its sources and they
/// emitted the kill's records (kill_plan), kills a random subtask of that
/// attempt, then waits until the job restarted. Fails the test when the
/// job ends (it cannot finish while the gate is closed) or a wait passes
/// its hang guard.
inline kill_report kill_randomly(const job_client& job, const source_gate& gate,
                                 const kill_plan& plan) {
  using namespace std::chrono_literals;
  std::mt19937_64 rng{plan.seed};
  kill_report report;
  auto ended = [&] { return job.wait_for(0ms).has_value(); };
  uint64_t killed_attempt = 0; // the attempt the previous kill hit
  for (size_t k = 0; k < plan.kills; ++k) {
    BOOST_TEST_CONTEXT("kill " << k + 1 << " of " << plan.kills) {
      BOOST_REQUIRE_MESSAGE(poll_until([&] { return gate.now().attempt > killed_attempt || ended(); },
                                       plan.timeout),
                            "the sources of a new attempt did not open");
      BOOST_REQUIRE_MESSAGE(!ended(), "the job ended while its sources were gated");
      if (k == 0 && plan.after_a_checkpoint)
        BOOST_REQUIRE_MESSAGE(
          poll_until([&] { return job.checkpoint_stats().counts.completed >= 1 || ended(); },
                     plan.timeout),
          "no checkpoint completed");
      auto records = plan.min_records
                     + (plan.max_records > plan.min_records
                          ? rng() % (plan.max_records - plan.min_records + 1)
                          : 0);
      auto start = gate.now();
      source_gate::view at;
      BOOST_REQUIRE_MESSAGE(poll_until(
                              [&] {
                                at = gate.now();
                                return at.attempt != start.attempt
                                       || at.emitted >= start.emitted + records || at.all_held
                                       || ended();
                              },
                              plan.timeout),
                            "the sources emitted neither " << records
                                                           << " records nor reached their end");
      BOOST_REQUIRE_MESSAGE(!ended(), "the job ended while its sources were gated");
      auto subtasks = subtasks_of(job);
      BOOST_REQUIRE(!subtasks.empty());
      auto before = job.restart_stats().restarts;
      killed_attempt = at.attempt;
      caf::anon_send_exit(subtasks[rng() % subtasks.size()], caf::exit_reason::kill);
      BOOST_REQUIRE_MESSAGE(
        poll_until([&] { return job.restart_stats().restarts > before || ended(); }, plan.timeout),
        "no restart after the kill");
      BOOST_REQUIRE_MESSAGE(!ended(), "the job ended after the kill instead of restarting");
      ++report.kills;
      report.at_the_end += at.all_held ? 1 : 0;
    }
  }
  return report;
}

} // namespace sluice::testing
