// Failover: killed subtask actors restart the job from the latest completed
// checkpoint and nothing is lost or counted twice. The keyed-count job (two
// sources of different speeds, skewed keys, a keyed sum at parallelism 3)
// runs while six random subtasks (sources, the slow map, the sums, the
// sink) are killed, its sources held at their end until the last kill
// restarted the job (tests/fault/gated_source.hpp: every kill lands and
// costs exactly one restart), then runs to its end; its final checkpoint
// must then hold exactly the counts of every record once, the same as a
// failure-free run. This breaks if keyed state were not restored (counts
// too low), sources did not rewind to their checkpointed offsets (too low)
// or replayed from the start (too high), in-flight data of unaligned
// checkpoints were not replayed, or messages of a killed attempt were
// accepted by the next one.
#include <boost/test/unit_test.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <memory>

#include <caf/all.hpp>

#include "actors/job/job_master.hpp"
#include "tests/checkpoint/coordinator_test_util.hpp"
#include "tests/fault/gated_source.hpp"

using namespace sluice;
using namespace sluice::testing;
using namespace std::chrono_literals;

namespace {

struct failover_case {
  const char* name;
  state_backend_kind backend;
  bool unaligned;
  bool incremental = false;
};

std::ostream& operator<<(std::ostream& os, const failover_case& c) {
  return os << c.name;
}

const failover_case cases[] = {
  {"hashmap-aligned", state_backend_kind::hashmap, false},
  {"lmdb-aligned", state_backend_kind::lmdb, false},
  {"hashmap-unaligned", state_backend_kind::hashmap, true},
  // Restores read base + delta chains from shared/.
  {"lmdb-incremental", state_backend_kind::lmdb, false, true},
};

/// The keyed-count job as start_keyed_count submits it (the graph, uids
/// and options of keyed_count_job.hpp's build_keyed_count_job, so
/// reference_counts and read_checkpoint apply), with both sources behind
/// `gate` (2 + 2 source subtasks): the job cannot end before the test
/// releases it.
running_job start_gated_keyed_count(const keyed_count_options& o, const checkpoint_config& cfg,
                                    const restart_config& restart,
                                    std::shared_ptr<source_gate> gate) {
  auto pc = default_pipeline_config();
  pc.threads = 2;
  auto env = std::make_unique<environment>(pc);
  env->set_checkpoint_config(cfg);
  env->set_state_config(o.state);
  env->set_restart_strategy(restart);
  auto probe = std::make_shared<job_probe>();
  std::shared_ptr<std::atomic<uint64_t>> seen{probe, &probe->seen};
  env->set_batch_size(o.batch_size);
  auto source = [&](const source_spec& s) {
    auto keys = o.keys;
    return env
      ->add_source<keyed_record>(
        s.uid,
        [s, keys, gate] {
          return std::make_unique<gated_source>(
            std::make_unique<skewed_source>(s.seed, s.count, keys, s.per_step, s.pause), gate);
        },
        2)
      .uid(s.uid);
  };
  auto fast = source(o.fast);
  auto path_delay = o.slow_path_delay;
  auto slow = source(o.slow)
                .rebalance()
                .then<keyed_record>("slow-map", [path_delay] {
                  return std::make_unique<slow_forward>(path_delay);
                })
                .uid("slow-map")
                .parallelism(1);
  auto merged = fast.union_with(slow);
  auto sums = merged.key_by([](const keyed_record& r) { return r.first; })
                .sum<1>()
                .uid(counts_uid)
                .parallelism(o.keyed_parallelism);
  auto delay = o.sink_delay;
  auto throws = o.sink_throws;
  sums.then<keyed_record>("slow-sink", [delay, seen, throws] {
        return std::make_unique<slow_sink>(delay, seen, throws);
      })
    .uid("sink")
    .parallelism(2);
  auto job = env->execute_async("keyed-count");
  return running_job{std::move(env), std::move(job), std::move(probe)};
}

/// Waits until the attempt now running processes records (more reached the
/// sink than `seen_before`): the event a kill waits for, instead of a sleep.
void wait_until_processing(running_job& run, uint64_t seen_before) {
  BOOST_REQUIRE_MESSAGE(poll_until([&] { return run.probe->seen.load() > seen_before
                                                || run.job.wait_for(0ms).has_value(); },
                                   60s),
                        "no record reached the sink within 60 s");
}

} // namespace

BOOST_AUTO_TEST_SUITE(failover)

BOOST_DATA_TEST_CASE(killed_subtasks_restart_from_the_latest_checkpoint_exactly_once,
                     boost::unit_test::data::make(cases), c) {
  temp_dir dir;
  keyed_count_options o;
  o.fast.count = 300'000;
  o.slow.count = 30'000;
  o.keys = 500;
  o.state.backend = c.backend;
  o.state.incremental = c.incremental;
  o.state.local_dir = (dir.path / "lmdb").string();
  if (c.unaligned)
    o.sink_delay = 100us;
  auto cfg = retain_all(dir.path / "checkpoints", 30ms);
  cfg.unaligned = c.unaligned;
  auto gate = std::make_shared<source_gate>(4);
  auto run = start_gated_keyed_count(o, cfg, restart_config::fixed_delay(100, 0ms), gate);
  // Six kills, the first after a completed checkpoint, each once the
  // sources of the attempt then running emitted 5,000-40,000 records (at
  // most 240,000 in all, below their 330,000: the kills land mid-stream as
  // a rule, and at the latest while the sources hold at their end).
  kill_plan plan;
  plan.kills = 6;
  plan.seed = 7;
  plan.min_records = 5'000;
  plan.max_records = 40'000;
  plan.after_a_checkpoint = true;
  auto kills = kill_randomly(run.job, *gate, plan);
  gate->release();
  auto result = run.job.wait_for(120s);
  BOOST_REQUIRE_MESSAGE(result, "the job did not end within 120 s");
  BOOST_REQUIRE_MESSAGE(result->status == job_status::finished, result->message);
  BOOST_TEST_MESSAGE(c << ": " << kills.kills << " kills (" << kills.at_the_end
                       << " at the end of input), " << result->restarts.restarts
                       << " restarts, downtime " << result->restarts.downtime.count() << " ms");
  // Every scheduled kill landed on the running job and cost one restart.
  BOOST_CHECK_EQUAL(kills.kills, plan.kills);
  BOOST_CHECK_EQUAL(result->restarts.restarts, plan.kills);
  BOOST_CHECK_MESSAGE(result->restarts.last_failure.find("kill") != std::string::npos,
                      result->restarts.last_failure);
  // The last attempt restored a checkpoint: its sums processed only what
  // came after it (a restart from scratch would reprocess everything and
  // still end with the right counts).
  BOOST_CHECK_GT(result->restarts.restored_checkpoint, 0u);
  uint64_t last_attempt_in = 0;
  for (auto& m : result->subtasks)
    if (m.task == "sum")
      last_attempt_in += m.records_in;
  BOOST_CHECK_LT(last_attempt_in, o.fast.count + o.slow.count);
  // The final checkpoint holds every record exactly once.
  auto ids = run.job.storage()->completed_ids();
  BOOST_REQUIRE(!ids.empty());
  auto last = read_checkpoint(*run.job.storage(), *ids.rbegin());
  BOOST_CHECK_EQUAL(total(last.counts), static_cast<int64_t>(o.fast.count + o.slow.count));
  BOOST_CHECK(last.counts == reference_counts(o, last.offsets));
}

BOOST_AUTO_TEST_CASE(a_kill_before_the_first_checkpoint_restarts_from_scratch) {
  temp_dir dir;
  keyed_count_options o;
  auto cfg = retain_all(dir.path, 60'000ms); // no checkpoint before the end
  // The sources are gated: the kill lands before the end of input.
  auto gate = std::make_shared<source_gate>(4);
  auto run = start_gated_keyed_count(o, cfg, restart_config::fixed_delay(3, 0ms), gate);
  wait_until_processing(run, 0);
  auto subtasks = subtasks_of(run.job);
  BOOST_REQUIRE(!subtasks.empty());
  caf::anon_send_exit(subtasks.back(), caf::exit_reason::kill);
  BOOST_REQUIRE_MESSAGE(poll_until([&] { return run.job.restart_stats().restarts >= 1
                                                || run.job.wait_for(0ms).has_value(); },
                                   60s),
                        "no restart within 60 s after the kill");
  gate->release();
  auto result = run.job.wait_for(60s);
  BOOST_REQUIRE(result);
  BOOST_REQUIRE_MESSAGE(result->status == job_status::finished, result->message);
  BOOST_CHECK_EQUAL(result->restarts.restarts, 1u);
  BOOST_CHECK_EQUAL(result->restarts.restored_checkpoint, 0u);
  auto ids = run.job.storage()->completed_ids();
  BOOST_REQUIRE(!ids.empty()); // the final checkpoint at the end of input
  auto last = read_checkpoint(*run.job.storage(), *ids.rbegin());
  BOOST_CHECK_EQUAL(total(last.counts), static_cast<int64_t>(o.fast.count + o.slow.count));
}

BOOST_AUTO_TEST_CASE(the_job_fails_with_the_cause_when_the_strategy_gives_up) {
  temp_dir dir;
  keyed_count_options o;
  o.fast.count = 3'000'000; // long enough for two kills
  auto run = start_keyed_count(o, retain_all(dir.path, 30ms), restart_config::fixed_delay(1, 0ms));
  for (int k = 0; k < 2; ++k) {
    wait_until_processing(run, run.probe->seen.load()); // this attempt runs
    auto before = run.job.restart_stats().restarts;
    auto subtasks = subtasks_of(run.job);
    BOOST_REQUIRE(!subtasks.empty());
    caf::anon_send_exit(subtasks.front(), caf::exit_reason::kill);
    if (k == 0)
      BOOST_REQUIRE(poll_until([&] { return run.job.restart_stats().restarts > before; }, 60s));
  }
  auto result = run.job.wait_for(60s);
  BOOST_REQUIRE_MESSAGE(result, "the job did not fail");
  BOOST_CHECK(result->status == job_status::failed);
  BOOST_CHECK_EQUAL(result->restarts.restarts, 1u);
  BOOST_CHECK_MESSAGE(result->message.find("fixed-delay") != std::string::npos, result->message);
  BOOST_CHECK_MESSAGE(result->message.find("kill") != std::string::npos, result->message);
  BOOST_CHECK_MESSAGE(result->message.find("(1/") != std::string::npos, result->message);
}

// failure-rate at the job level: one failure per minute is tolerated, the
// second within the minute fails the job naming the strategy and the cause.
BOOST_AUTO_TEST_CASE(failure_rate_exhaustion_fails_the_job_with_the_cause) {
  temp_dir dir;
  keyed_count_options o;
  o.fast.count = 3'000'000;
  auto run = start_keyed_count(o, retain_all(dir.path, 30ms),
                               restart_config::failure_rate(1, std::chrono::minutes{1}, 0ms));
  wait_until_processing(run, 0);
  caf::anon_send_exit(subtasks_of(run.job).back(), caf::exit_reason::kill);
  BOOST_REQUIRE(poll_until([&] { return run.job.restart_stats().restarts == 1; }, 60s));
  wait_until_processing(run, run.probe->seen.load()); // the restarted attempt runs
  caf::anon_send_exit(subtasks_of(run.job).back(), caf::exit_reason::kill);
  auto result = run.job.wait_for(60s);
  BOOST_REQUIRE_MESSAGE(result, "the job did not fail");
  BOOST_CHECK(result->status == job_status::failed);
  BOOST_CHECK_EQUAL(result->restarts.restarts, 1u);
  BOOST_CHECK_MESSAGE(result->message.find("failure-rate") != std::string::npos, result->message);
  BOOST_CHECK_MESSAGE(result->message.find("kill") != std::string::npos, result->message);
}

BOOST_AUTO_TEST_SUITE_END()
