// Exactly-once output end to end (DESIGN.md invariant 3). Injects: kills of
// random subtask actors (click source, formatting map, transactional file
// sink; parallelism 2) while the job runs, each followed by a restart from
// the latest completed checkpoint. Checks: the committed part files hold
// every record of the failure-free output exactly once (as a multiset: no
// loss, no duplicates) and no in-progress file is left. This breaks if the
// sink made output visible before its checkpoint completed (duplicates after
// a replay), did not commit the restored checkpoint's pending transactions
// (loss), committed one twice (duplicates), or left transactions begun after
// the last checkpoint behind.
#include <boost/test/unit_test.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <algorithm>
#include <random>

#include <caf/all.hpp>

#include "actors/job_master.hpp"
#include "operators/transactional_file_sink.hpp"
#include "tests/checkpoint/coordinator_test_util.hpp"

using namespace sluice;
using namespace sluice::testing;
using namespace std::chrono_literals;

namespace {

struct eos_case {
  const char* name;
  bool unaligned;
};

std::ostream& operator<<(std::ostream& os, const eos_case& c) {
  return os << c.name;
}

const eos_case cases[] = {{"aligned", false}, {"unaligned", true}};

std::string line_of(const event& e) {
  return e.user + "," + e.url + "," + std::to_string(e.timestamp);
}

std::vector<subtask_actor> subtasks_of(environment& env, const job_client& job) {
  caf::scoped_actor self{env.system()};
  std::vector<subtask_actor> result;
  self->request(master_of(job), caf::infinite, subtasks_atom::value)
    .receive([&](std::vector<subtask_actor>& xs) { result = std::move(xs); },
             [&](caf::error&) {});
  return result;
}

/// Kills a random subtask `kills` times, 60-180 ms apart, each time waiting
/// for the restart. Returns how many kills led to a restart.
size_t kill_randomly(environment& env, const job_client& job, size_t kills, uint64_t seed) {
  std::mt19937_64 rng{seed};
  size_t landed = 0;
  for (size_t k = 0; k < kills; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds{60 + rng() % 120});
    if (job.wait_for(0ms))
      break;
    auto subtasks = subtasks_of(env, job);
    if (subtasks.empty())
      break;
    auto before = job.restart_stats().restarts;
    caf::anon_send_exit(subtasks[rng() % subtasks.size()], caf::exit_reason::kill);
    if (!poll_until([&] { return job.restart_stats().restarts > before
                                 || job.wait_for(0ms).has_value(); },
                    30s))
      BOOST_FAIL("no restart within 30 s after kill " << k + 1);
    landed += job.restart_stats().restarts > before ? 1 : 0;
  }
  return landed;
}

} // namespace

BOOST_AUTO_TEST_SUITE(exactly_once_sink)

BOOST_DATA_TEST_CASE(killed_subtasks_leave_every_line_committed_exactly_once,
                     boost::unit_test::data::make(cases), c) {
  temp_dir dir;
  auto out = dir.path / "out";
  click_source_options opts;
  opts.count = 120'000;
  opts.rate = 60'000; // about 2 s without failures
  opts.users = 50;
  auto pc = default_pipeline_config();
  pc.threads = 2;
  pc.parallelism = 2;
  environment env{pc};
  auto cfg = retain_all(dir.path / "checkpoints", 20ms);
  cfg.unaligned = c.unaligned;
  env.set_checkpoint_config(cfg);
  env.set_restart_config(restart_config::fixed_delay(10, std::chrono::milliseconds{0}));
  env.click_events(opts)
    .uid("clicks")
    .map(line_of)
    .uid("format")
    .rebalance()
    .then<std::string>("file-sink",
                       [out] { return std::make_unique<transactional_file_sink<std::string>>(out); })
    .uid("file-sink");
  auto job = env.execute_async("exactly-once-files");
  auto kills = kill_randomly(env, job, 4, c.unaligned ? 11 : 5);
  auto result = job.wait_for(120s);
  BOOST_REQUIRE_MESSAGE(result, "the job did not end within 120 s");
  BOOST_REQUIRE_MESSAGE(result->status == job_status::finished, result->message);
  BOOST_TEST_MESSAGE(c << ": " << kills << " kills, " << result->restarts.restarts
                       << " restarts, restored checkpoint "
                       << result->restarts.restored_checkpoint);
  BOOST_CHECK_GE(kills, 2u);
  BOOST_CHECK_EQUAL(result->restarts.restarts, kills);
  std::vector<std::string> expected;
  for (uint64_t i = 0; i < opts.count; ++i)
    expected.push_back(line_of(click_event_at(opts, i)));
  auto got = read_committed_lines(out);
  std::sort(expected.begin(), expected.end());
  std::sort(got.begin(), got.end());
  BOOST_CHECK_EQUAL(got.size(), expected.size());
  std::vector<std::string> missing, extra;
  std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(),
                      std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), expected.begin(), expected.end(),
                      std::back_inserter(extra));
  BOOST_CHECK_MESSAGE(missing.empty(), missing.size() << " lines lost, e.g. "
                                                      << (missing.empty() ? "" : missing[0]));
  BOOST_CHECK_MESSAGE(extra.empty(), extra.size() << " lines duplicated or foreign, e.g. "
                                                  << (extra.empty() ? "" : extra[0]));
  std::vector<std::string> left;
  std::error_code err;
  for (auto& e : std::filesystem::directory_iterator(out / ".in-progress", err))
    left.push_back(e.path().filename().string());
  BOOST_CHECK_MESSAGE(left.empty(), left.size() << " in-progress files left, e.g. "
                                                << (left.empty() ? "" : left[0]));
}

BOOST_AUTO_TEST_SUITE_END()
