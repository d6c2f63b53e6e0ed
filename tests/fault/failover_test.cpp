// Failover: killed subtask actors restart the job from the latest completed
// checkpoint and nothing is lost or counted twice. The keyed-count job (two
// sources of different speeds, skewed keys, a keyed sum at parallelism 3)
// runs to its end while random subtasks (sources, the slow map, the sums,
// the sink) are killed; its final checkpoint must then hold exactly the
// counts of every record once, the same as a failure-free run. This breaks
// if keyed state were not restored (counts too low), sources did not rewind
// to their checkpointed offsets (too low) or replayed from the start (too
// high), in-flight data of unaligned checkpoints were not replayed, or
// messages of a killed attempt were accepted by the next one.
#include <boost/test/unit_test.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <random>

#include <caf/all.hpp>

#include "actors/job_master.hpp"
#include "tests/checkpoint/coordinator_test_util.hpp"

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

std::vector<subtask_actor> subtasks_of(environment& env, const job_client& job) {
  caf::scoped_actor self{env.system()};
  std::vector<subtask_actor> result;
  self->request(master_of(job), caf::infinite, subtasks_atom::value)
    .receive([&](std::vector<subtask_actor>& xs) { result = std::move(xs); },
             [&](caf::error&) {});
  return result;
}

/// Waits until the attempt now running processes records (more reached the
/// sink than `seen_before`): the event a kill waits for, instead of a sleep.
void wait_until_processing(running_job& run, uint64_t seen_before) {
  BOOST_REQUIRE_MESSAGE(poll_until([&] { return run.probe->seen.load() > seen_before
                                                || run.job.wait_for(0ms).has_value(); },
                                   60s),
                        "no record reached the sink within 60 s");
}

/// Kills `kills` random subtasks of the running job, one at a time. Before
/// the first kill it waits for a completed checkpoint (so that the last
/// restart restores one, whatever the machine's speed); before each kill
/// for the attempt to process records, then a random 20-120 ms on purpose
/// (random kill moments); after each kill until the job restarted.
/// Returns how many kills landed (the job may end before all did).
size_t kill_randomly(running_job& run, size_t kills, uint64_t seed) {
  std::mt19937_64 rng{seed};
  size_t landed = 0;
  BOOST_REQUIRE_MESSAGE(
    poll_until([&] { return run.job.checkpoint_stats().counts.completed >= 1
                            || run.job.wait_for(0ms).has_value(); },
               60s),
    "no checkpoint completed within 60 s");
  for (size_t k = 0; k < kills; ++k) {
    wait_until_processing(run, run.probe->seen.load());
    std::this_thread::sleep_for(std::chrono::milliseconds{20 + rng() % 100});
    if (run.job.wait_for(0ms))
      break;
    auto subtasks = subtasks_of(*run.env, run.job);
    if (subtasks.empty())
      break;
    auto before = run.job.restart_stats().restarts;
    caf::anon_send_exit(subtasks[rng() % subtasks.size()], caf::exit_reason::kill);
    if (!poll_until([&] { return run.job.restart_stats().restarts > before
                                 || run.job.wait_for(0ms).has_value(); },
                    60s))
      BOOST_FAIL("no restart within 60 s after kill " << k + 1);
    landed += run.job.restart_stats().restarts > before ? 1 : 0;
  }
  return landed;
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
  auto run = start_keyed_count(o, cfg, restart_config::fixed_delay(100, 0ms));
  auto kills = kill_randomly(run, 6, 7);
  auto result = run.job.wait_for(120s);
  BOOST_REQUIRE_MESSAGE(result, "the job did not end within 120 s");
  BOOST_REQUIRE_MESSAGE(result->status == job_status::finished, result->message);
  BOOST_TEST_MESSAGE(c << ": " << kills << " kills, " << result->restarts.restarts
                       << " restarts, downtime " << result->restarts.downtime.count() << " ms");
  BOOST_CHECK_GE(kills, 3u);
  BOOST_CHECK_EQUAL(result->restarts.restarts, kills);
  BOOST_CHECK_MESSAGE(result->restarts.last_failure.find("kill") != std::string::npos,
                      result->restarts.last_failure);
  // The last attempt restored a checkpoint taken mid-stream: its sums
  // processed only what came after it (a restart from scratch would
  // reprocess everything and still end with the right counts).
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
  auto run = start_keyed_count(o, cfg, restart_config::fixed_delay(3, 0ms));
  wait_until_processing(run, 0);
  auto subtasks = subtasks_of(*run.env, run.job);
  BOOST_REQUIRE(!subtasks.empty());
  caf::anon_send_exit(subtasks.back(), caf::exit_reason::kill);
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
    auto subtasks = subtasks_of(*run.env, run.job);
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
  caf::anon_send_exit(subtasks_of(*run.env, run.job).back(), caf::exit_reason::kill);
  BOOST_REQUIRE(poll_until([&] { return run.job.restart_stats().restarts == 1; }, 60s));
  wait_until_processing(run, run.probe->seen.load()); // the restarted attempt runs
  caf::anon_send_exit(subtasks_of(*run.env, run.job).back(), caf::exit_reason::kill);
  auto result = run.job.wait_for(60s);
  BOOST_REQUIRE_MESSAGE(result, "the job did not fail");
  BOOST_CHECK(result->status == job_status::failed);
  BOOST_CHECK_EQUAL(result->restarts.restarts, 1u);
  BOOST_CHECK_MESSAGE(result->message.find("failure-rate") != std::string::npos, result->message);
  BOOST_CHECK_MESSAGE(result->message.find("kill") != std::string::npos, result->message);
}

BOOST_AUTO_TEST_SUITE_END()
