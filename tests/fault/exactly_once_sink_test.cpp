// Exactly-once output end to end (DESIGN.md invariant 3). Injects: 20 kills
// of random subtask actors (click source, a keyed per-user counter, the
// transactional file sink; parallelism 2; 1 M events) while the job runs
// (its source held at its end until the last kill:
// tests/fault/gated_source.hpp), each followed by a restart from the latest
// completed checkpoint; aligned and unaligned, on both state backends.
// Checks: every kill cost exactly one restart; the committed part files
// hold every record of the failure-free output exactly once (as a
// multiset: no loss, no duplicates; with at-least-once checkpoints: no
// loss) and no in-progress file is left. This breaks if the
// sink made output visible before its checkpoint completed (duplicates after
// a replay), did not commit the restored checkpoint's pending transactions
// (loss), committed one twice (duplicates), or left transactions begun after
// the last checkpoint behind.
#include <boost/test/unit_test.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <memory>

#include <caf/all.hpp>

#include "actors/job/job_master.hpp"
#include "operators/transactional_file_sink.hpp"
#include "tests/checkpoint/coordinator_test_util.hpp"
#include "tests/fault/gated_source.hpp"
#include "tests/fault/line_diff.hpp"

using namespace sluice;
using namespace sluice::testing;
using namespace std::chrono_literals;

namespace {

struct eos_case {
  const char* name;
  bool unaligned;
  state_backend_kind backend;
  checkpointing_mode mode = checkpointing_mode::exactly_once;
};

std::ostream& operator<<(std::ostream& os, const eos_case& c) {
  return os << c.name;
}

const eos_case cases[] = {
  {"aligned-hashmap", false, state_backend_kind::hashmap},
  {"unaligned-hashmap", true, state_backend_kind::hashmap},
  {"aligned-lmdb", false, state_backend_kind::lmdb},
  {"unaligned-lmdb", true, state_backend_kind::lmdb},
  // Output must contain everything; duplicates are allowed.
  {"at-least-once-hashmap", false, state_backend_kind::hashmap,
   checkpointing_mode::at_least_once},
};

std::string line_of(const event& e) {
  return e.user + "," + e.url + "," + std::to_string(e.timestamp);
}

/// Counts events per user in keyed state (restored after every kill) and
/// passes each event's line on.
class per_user_counter final : public keyed_process_function<std::string, event, std::string> {
public:
  void open(keyed_context<std::string>& ctx) override {
    count_ = &ctx.state(value_state_descriptor<int64_t>{"events"});
  }
  void process_element(const event& e, keyed_context<std::string>&,
                       collector<std::string>& out) override {
    count_->update(count_->value_or(0) + 1);
    out.collect(line_of(e));
  }

private:
  value_state<int64_t>* count_ = nullptr;
};

/// Checkpoints whose synchronous part (the pre-commit) each sink subtask
/// ran, newest last: what a test waits on instead of a sleep.
struct pre_commits {
  std::array<std::atomic<uint64_t>, 2> latest{};
};

/// Forwards every hook to the sink it wraps and records in `log` the
/// checkpoint of each `snapshot_state` (which pre-commits) once it returned.
class pre_commit_observer final : public stream_operator {
public:
  pre_commit_observer(operator_ptr inner, std::shared_ptr<pre_commits> log)
    : inner_(std::move(inner)), log_(std::move(log)) {
  }
  void initialize_state(const initialization_context& ctx) override {
    inner_->initialize_state(ctx);
  }
  void open(operator_context& ctx) override {
    index_ = ctx.info().subtask_index;
    inner_->open(ctx);
  }
  void process(const batch_ptr& in, operator_context& ctx) override {
    inner_->process(in, ctx);
  }
  void snapshot_state(const snapshot_context& ctx) override {
    inner_->snapshot_state(ctx);
    if (index_ < log_->latest.size())
      log_->latest[index_] = ctx.checkpoint_id;
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
  operator_ptr inner_;
  std::shared_ptr<pre_commits> log_;
  uint32_t index_ = 0;
};

/// The newest checkpoint in progress, 0 when none is.
uint64_t newest_in_progress(const checkpoint_stats_snapshot& s) {
  for (auto& e : s.history) // newest first
    if (e.status == checkpoint_status::in_progress)
      return e.checkpoint_id;
  return 0;
}

} // namespace

BOOST_AUTO_TEST_SUITE(exactly_once_sink)

BOOST_DATA_TEST_CASE(killed_subtasks_leave_every_line_committed_exactly_once,
                     boost::unit_test::data::make(cases), c) {
  temp_dir dir;
  auto out = dir.path / "out";
  click_source_options opts;
  opts.count = 1'000'000;
  opts.rate = 250'000; // about 4 s without failures
  opts.users = 50;
  auto pc = default_pipeline_config();
  pc.threads = 2;
  pc.parallelism = 2;
  environment env{pc};
  auto cfg = retain_all(dir.path / "checkpoints", 20ms);
  cfg.unaligned = c.unaligned;
  cfg.mode = c.mode;
  env.set_checkpoint_config(cfg);
  state_config state;
  state.backend = c.backend;
  state.local_dir = (dir.path / "lmdb").string();
  env.set_state_config(state);
  env.set_restart_strategy(restart_config::fixed_delay(100, std::chrono::milliseconds{0}));
  // The click source (2 subtasks) behind a gate: it cannot end before the
  // test released it after the last kill.
  auto gate = std::make_shared<source_gate>(2);
  env.add_source<event>("click-source",
                        [opts, gate] {
                          return std::make_unique<gated_source>(
                            std::make_unique<click_source>(opts), gate);
                        })
    .uid("clicks")
    .key_by([](const event& e) { return e.user; })
    .process(per_user_counter{})
    .uid("per-user")
    .rebalance()
    .template then<std::string>("file-sink",
                       [out] { return std::make_unique<transactional_file_sink<std::string>>(out); })
    .uid("file-sink");
  auto job = env.execute_async("exactly-once-files");
  // 20 kills, each once the source of the attempt then running emitted
  // 10,000-30,000 records (at most 600,000 in all, below its 1,000,000: the
  // kills land mid-stream as a rule, and at the latest while it holds at
  // its end).
  kill_plan plan;
  plan.kills = 20;
  plan.seed = c.unaligned ? 11 : 5;
  plan.min_records = 10'000;
  plan.max_records = 30'000;
  auto kills = kill_randomly(job, *gate, plan);
  gate->release();
  auto result = job.wait_for(120s);
  BOOST_REQUIRE_MESSAGE(result, "the job did not end within 120 s");
  BOOST_REQUIRE_MESSAGE(result->status == job_status::finished, result->message);
  BOOST_TEST_MESSAGE(c << ": " << kills.kills << " kills (" << kills.at_the_end
                       << " at the end of input), " << result->restarts.restarts
                       << " restarts, restored checkpoint "
                       << result->restarts.restored_checkpoint);
  // Every scheduled kill landed on the running job and cost one restart.
  BOOST_CHECK_EQUAL(kills.kills, plan.kills);
  BOOST_CHECK_EQUAL(result->restarts.restarts, plan.kills);
  std::vector<std::string> expected;
  for (uint64_t i = 0; i < opts.count; ++i)
    expected.push_back(line_of(click_event_at(opts, i)));
  auto got = read_committed_lines(out);
  std::sort(expected.begin(), expected.end());
  std::sort(got.begin(), got.end());
  bool exactly_once = c.mode == checkpointing_mode::exactly_once;
  if (exactly_once)
    BOOST_CHECK_EQUAL(got.size(), expected.size());
  auto [missing, extra] = sluice::testing::diff_sorted_lines(expected, got);
  BOOST_CHECK_MESSAGE(missing.empty(), missing.size() << " lines lost, e.g. "
                                                      << line_diff::first(missing));
  if (exactly_once)
    BOOST_CHECK_MESSAGE(extra.empty(), extra.size() << " lines duplicated or foreign, e.g. "
                                                    << line_diff::first(extra));
  else
    BOOST_TEST_MESSAGE(c << ": " << extra.size() << " duplicated lines");
  std::vector<std::string> left;
  std::error_code err;
  for (auto& e : std::filesystem::directory_iterator(out / ".in-progress", err))
    left.push_back(e.path().filename().string());
  BOOST_CHECK_MESSAGE(left.empty(), left.size() << " in-progress files left, e.g. "
                                                << (left.empty() ? "" : left[0]));
}

// The kill point between pre-commit and commit: storage is slowed down, so
// a checkpoint stays pending for a while after the sinks pre-committed at
// its barrier; a sink subtask is killed in that window, then the job runs
// on. The transactions pre-committed for the aborted checkpoint must not
// become visible, and nothing may be lost.
BOOST_AUTO_TEST_CASE(a_sink_killed_between_pre_commit_and_commit_loses_and_repeats_nothing) {
  temp_dir dir;
  auto out = dir.path / "out";
  click_source_options opts;
  opts.count = 200'000;
  opts.rate = 100'000;
  opts.users = 20;
  auto pc = default_pipeline_config();
  pc.threads = 2;
  pc.parallelism = 2;
  environment env{pc};
  env.set_checkpoint_config(retain_all(dir.path / "checkpoints", 20ms));
  env.set_restart_strategy(restart_config::fixed_delay(10, std::chrono::milliseconds{0}));
  auto pre = std::make_shared<pre_commits>();
  env.click_events(opts)
    .uid("clicks")
    .map(line_of)
    .uid("format")
    .rebalance()
    .then<std::string>("file-sink",
                       [out, pre] {
                         return std::make_unique<pre_commit_observer>(
                           std::make_unique<transactional_file_sink<std::string>>(out), pre);
                       })
    .uid("file-sink");
  auto job = env.execute_async("pre-commit-kill");
  BOOST_REQUIRE(poll_until([&] { return job.checkpoint_stats().counts.completed >= 2; }, 60s));
  job.storage()->set_write_delay(300ms); // checkpoints stay pending for a while
  auto subtasks = subtasks_of(job);
  BOOST_REQUIRE_EQUAL(subtasks.size(), 4u); // source -> map chains, then the sinks
  // The window: a checkpoint still in progress for which both sinks have
  // pre-committed (the event, not a sleep).
  uint64_t target = 0;
  BOOST_REQUIRE_MESSAGE(poll_until([&] {
                          target = newest_in_progress(job.checkpoint_stats());
                          return target > 0 && pre->latest[0] >= target
                                 && pre->latest[1] >= target;
                        }, 60s),
                        "no checkpoint pending with both sinks pre-committed within 60 s");
  caf::anon_send_exit(subtasks.back(), caf::exit_reason::kill);
  BOOST_TEST_MESSAGE("killed a sink after both pre-committed checkpoint " << target);
  BOOST_REQUIRE(poll_until([&] { return job.restart_stats().restarts == 1; }, 60s));
  job.storage()->set_write_delay(0ms);
  auto result = job.wait_for(120s);
  BOOST_REQUIRE(result);
  BOOST_REQUIRE_MESSAGE(result->status == job_status::finished, result->message);
  std::vector<std::string> expected;
  for (uint64_t i = 0; i < opts.count; ++i)
    expected.push_back(line_of(click_event_at(opts, i)));
  auto got = read_committed_lines(out);
  std::sort(expected.begin(), expected.end());
  std::sort(got.begin(), got.end());
  BOOST_CHECK_EQUAL(got.size(), expected.size());
  BOOST_CHECK(got == expected);
}

BOOST_AUTO_TEST_SUITE_END()
