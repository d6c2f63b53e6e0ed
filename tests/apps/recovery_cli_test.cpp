// `sluice run ... --inject-failures=...` as a user runs it: subtasks are
// killed while the job runs, the job restarts from its checkpoints and
// ends with the same final count per user as without failures (the print
// sink is at-least-once, so lines after a restart may repeat, but each
// user's highest count is exact: restored state, rewound source).
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <vector>

#include <csignal>
#include <regex>
#include <string>

#include "operators/sources.hpp"
#include "operators/transactional_file_sink.hpp"
#include "tests/apps/process.hpp"
#include "tests/apps/reference.hpp"
#include "tests/poll_until.hpp"

using namespace std::chrono_literals;

namespace recovery_cli_test {

using namespace sluice::test;

namespace {

/// Every line click-counts prints without failures (reference.hpp).
std::multiset<std::string> running_count_lines(const sluice::click_source_options& opts) {
  std::vector<std::string> users;
  for (uint64_t i = 0; i < opts.count; ++i)
    users.push_back(sluice::click_event_at(opts, i).user);
  return sluice::test::running_count_lines(users);
}

} // namespace

BOOST_AUTO_TEST_SUITE(recovery_cli)

BOOST_AUTO_TEST_CASE(click_counts_survives_injected_kills_with_exact_final_counts) {
  temp_dir dir;
  sluice::click_source_options opts;
  opts.count = 400;
  opts.users = 5;
  opts.seed = 3;
  std::map<std::string, int64_t> expected;
  for (uint64_t i = 0; i < opts.count; ++i)
    ++expected[sluice::click_event_at(opts, i).user];
  auto r = run({build_path("apps/sluice"), "run", "click-counts", "-p", "2",
                "--generator.count=400", "--generator.users=5", "--generator.seed=3",
                "--generator.rate=200", "--checkpointing.interval=50ms",
                "--inject-failures=seed=3,kills=3,min-interval=200ms,max-interval=400ms",
                "--restart-strategy.type=fixed-delay", "--restart-strategy.attempts=10",
                "--restart-strategy.delay=0ms"},
               dir.path(), 60s);
  BOOST_REQUIRE(!r.timed_out);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  for (int k = 1; k <= 3; ++k)
    BOOST_CHECK_MESSAGE(r.err.find("(fault " + std::to_string(k) + "/3)") != std::string::npos,
                        r.err);
  BOOST_CHECK_MESSAGE(r.err.find("the job restarted 3 times") != std::string::npos, r.err);
  std::map<std::string, int64_t> highest;
  for (auto line : lines_of(r.out)) {
    if (auto gt = line.find("> "); gt != std::string::npos && gt < 4)
      line = line.substr(gt + 2); // "2> " of the print sink at parallelism 2
    std::string user;
    int64_t n = 0;
    BOOST_REQUIRE_MESSAGE(parse_visit_count(line, user, n), "unexpected line: " << line);
    highest[user] = std::max(highest[user], n);
  }
  BOOST_CHECK(highest == expected);
}

// --output writes through the transactional file sink: under the same
// kills the committed lines are exactly the failure-free output, each
// running count once, nothing left in progress.
BOOST_AUTO_TEST_CASE(click_counts_output_is_exactly_once_under_injected_kills) {
  temp_dir dir;
  sluice::click_source_options opts;
  opts.count = 400;
  opts.users = 5;
  opts.seed = 3;
  auto expected = running_count_lines(opts);
  auto out = dir / "out";
  auto r = run({build_path("apps/sluice"), "run", "click-counts", "-p", "2",
                "--generator.count=400", "--generator.users=5", "--generator.seed=3",
                "--generator.rate=200", "--checkpointing.interval=50ms",
                "--inject-failures=seed=4,kills=3,min-interval=200ms,max-interval=400ms",
                "--restart-strategy.type=fixed-delay", "--restart-strategy.attempts=10",
                "--restart-strategy.delay=0ms", "--output", out.string()},
               dir.path(), 60s);
  BOOST_REQUIRE(!r.timed_out);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  BOOST_CHECK_MESSAGE(r.err.find("the job restarted 3 times") != std::string::npos, r.err);
  BOOST_CHECK_EQUAL(r.out, ""); // nothing printed: it went to the files
  auto lines = sluice::read_committed_lines(out);
  std::multiset<std::string> committed(lines.begin(), lines.end());
  BOOST_CHECK_EQUAL(committed.size(), expected.size());
  BOOST_CHECK(committed == expected);
  size_t in_progress = 0;
  if (std::filesystem::exists(out / ".in-progress"))
    for ([[maybe_unused]] auto& f : std::filesystem::directory_iterator{out / ".in-progress"})
      ++in_progress;
  BOOST_CHECK_EQUAL(in_progress, 0u);
}

// Every aimed fault of `--inject-failures` once (a throw from user code,
// kills mid-alignment, mid-asynchronous-snapshot, between pre-commit and
// commit and during a restore): six restarts, and the committed output is
// still exactly the failure-free one.
BOOST_AUTO_TEST_CASE(click_counts_output_is_exactly_once_under_aimed_faults) {
  temp_dir dir;
  sluice::click_source_options opts;
  opts.count = 20'000;
  opts.users = 7;
  opts.seed = 5;
  auto expected = running_count_lines(opts);
  auto out = dir / "out";
  auto r = run({build_path("apps/sluice"), "run", "click-counts", "-p", "2",
                "--generator.count=20000", "--generator.users=7", "--generator.seed=5",
                "--generator.rate=5000", "--checkpointing.interval=50ms",
                "--inject-failures=seed=5,throws=1,alignment-kills=1,snapshot-kills=1,"
                "commit-kills=1,restore-kills=1",
                "--restart-strategy.type=fixed-delay", "--restart-strategy.attempts=20",
                "--restart-strategy.delay=0ms", "--output", out.string()},
               dir.path(), 120s);
  BOOST_REQUIRE(!r.timed_out);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  for (auto fault : {"throw in user code (fault", "kill mid-alignment (fault",
                     "kill mid-asynchronous-snapshot (fault",
                     "kill between pre-commit and commit (fault", "during its restore (fault"})
    BOOST_CHECK_MESSAGE(r.err.find(fault) != std::string::npos, fault << " missing: " << r.err);
  BOOST_CHECK_MESSAGE(r.err.find("the job restarted 6 times") != std::string::npos, r.err);
  auto lines = sluice::read_committed_lines(out);
  std::multiset<std::string> committed(lines.begin(), lines.end());
  BOOST_CHECK_EQUAL(committed.size(), expected.size());
  BOOST_CHECK(committed == expected);
}

namespace {

/// A completed checkpoint: its id and `chk-<id>` directory (id 0: none).
struct completed_checkpoint {
  uint64_t id = 0;
  std::string path;
};

/// The newest completed checkpoint (a `chk-<n>` directory with its
/// `_metadata`, which is written last and atomically) under `root`, in any
/// job directory: ids continue after a restored checkpoint, so the highest
/// id is the newest. Safe while a job writes and removes checkpoints there.
completed_checkpoint newest_checkpoint(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  completed_checkpoint best;
  std::error_code err;
  for (fs::directory_iterator job{root, err}, end; !err && job != end; job.increment(err)) {
    std::error_code inner, missing;
    for (fs::directory_iterator chk{job->path(), inner}; !inner && chk != end;
         chk.increment(inner)) {
      auto name = chk->path().filename().string();
      if (name.size() <= 4 || name.rfind("chk-", 0) != 0
          || name.find_first_not_of("0123456789", 4) != std::string::npos
          || !fs::exists(chk->path() / "_metadata", missing))
        continue;
      auto id = std::stoull(name.substr(4));
      if (id > best.id)
        best = {id, chk->path().string()};
    }
  }
  return best;
}

} // namespace

// The whole process is killed with SIGKILL five times and resumed each
// time with `sluice run -s <newest retained checkpoint>`; each kill waits
// until the process completed checkpoints of its own (1 to 5 after the one
// it resumed from), so every cycle resumes from a newer checkpoint than the
// last. The committed output of the
// transactional file sink over all six processes is exactly the
// failure-free output.
BOOST_AUTO_TEST_CASE(five_kill_9_cycles_resume_from_the_retained_checkpoint_exactly_once) {
  temp_dir dir;
  sluice::click_source_options opts;
  opts.count = 1500;
  opts.users = 7;
  opts.seed = 11;
  auto expected = running_count_lines(opts);
  auto root = dir / "checkpoints";
  auto out = dir / "out";
  std::vector<std::string> base{build_path("apps/sluice"), "run", "click-counts", "-p", "2",
                                "--generator.count=1500", "--generator.users=7",
                                "--generator.seed=11", "--generator.rate=500",
                                "--checkpointing.interval=50ms",
                                "--checkpointing.storage=filesystem",
                                "--checkpointing.dir=" + root.string(),
                                "--checkpointing.externalized=retain_on_cancellation",
                                "--output", out.string()};
  completed_checkpoint resume;
  std::vector<uint64_t> resumed_from;
  for (int cycle = 0; cycle < 5; ++cycle) {
    BOOST_TEST_CONTEXT("cycle " << cycle) {
      auto args = base;
      if (resume.id > 0)
        args.insert(args.end(), {"-s", resume.path});
      process p{args, dir.path()};
      // The event the kill waits for: this process completed its
      // (cycle + 1)-th checkpoint after the restored one (the kill lands
      // about when the sinks learn of it and commit). The input (3 s at 500
      // clicks/s) lasts far longer than the 15 checkpoints of all cycles.
      auto wanted = resume.id + 1 + static_cast<uint64_t>(cycle);
      auto reached = sluice::testing::poll_until(
        [&] { return newest_checkpoint(root).id >= wanted; }, 60s, 5ms);
      p.send(SIGKILL);
      auto r = p.wait(10s);
      BOOST_REQUIRE_MESSAGE(reached, "no checkpoint " << wanted << " within 60 s: " << r.err);
      BOOST_REQUIRE(!r.timed_out);
      BOOST_REQUIRE_MESSAGE(r.signal == SIGKILL,
                            "the job ended before the kill (exit code " << r.exit_code
                                                                        << "): " << r.err);
      auto newest = newest_checkpoint(root);
      BOOST_REQUIRE_GE(newest.id, wanted);
      resume = newest;
      resumed_from.push_back(resume.id);
    }
  }
  std::string ids;
  for (auto id : resumed_from)
    ids += " " + std::to_string(id);
  BOOST_TEST_MESSAGE("resumed from checkpoints" << ids);
  // Each cycle made progress: five different, ever newer checkpoints.
  BOOST_CHECK_EQUAL(resumed_from.size(), 5u);
  BOOST_CHECK(std::is_sorted(resumed_from.begin(), resumed_from.end())
              && std::adjacent_find(resumed_from.begin(), resumed_from.end())
                   == resumed_from.end());
  auto args = base;
  args.insert(args.end(), {"-s", resume.path});
  auto r = run(args, dir.path(), 60s);
  BOOST_REQUIRE(!r.timed_out);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto lines = sluice::read_committed_lines(out);
  std::multiset<std::string> committed(lines.begin(), lines.end());
  BOOST_CHECK_EQUAL(committed.size(), expected.size());
  BOOST_CHECK(committed == expected);
}

BOOST_AUTO_TEST_CASE(a_missing_or_damaged_checkpoint_path_exits_2) {
  temp_dir dir;
  auto r = run({build_path("apps/sluice"), "run", "click-counts", "-s",
                (dir / "no-such-chk").string()},
               dir.path(), 30s);
  BOOST_CHECK_EQUAL(r.exit_code, 2);
  BOOST_CHECK_MESSAGE(r.err.find("no-such-chk") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(an_unknown_restore_mode_exits_2_naming_it) {
  temp_dir dir;
  auto r = run({build_path("apps/sluice"), "run", "click-counts", "--restore-mode", "legacy"},
               dir.path(), 30s);
  BOOST_CHECK_EQUAL(r.exit_code, 2);
  BOOST_CHECK_MESSAGE(r.err.find("restore-mode must be no_claim or claim, got 'legacy'")
                        != std::string::npos,
                      r.err);
}

BOOST_AUTO_TEST_CASE(output_without_checkpointing_exits_2) {
  temp_dir dir;
  auto r = run({build_path("apps/sluice"), "run", "click-counts", "--output",
                (dir / "out").string()},
               dir.path(), 30s);
  BOOST_CHECK_EQUAL(r.exit_code, 2);
  BOOST_CHECK_MESSAGE(r.err.find("checkpointing.interval") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(bad_inject_failures_exit_2_naming_the_key) {
  temp_dir dir;
  for (auto spec : {"kill=3", "kills=many", "seed", "min-interval=5", "min-interval=2s,max-interval=1s"}) {
    auto r = run({build_path("apps/sluice"), "run", "click-counts",
                  std::string{"--inject-failures="} + spec},
                 dir.path(), 30s);
    BOOST_CHECK_EQUAL(r.exit_code, 2);
    BOOST_CHECK_MESSAGE(r.err.find("inject-failures") != std::string::npos, r.err);
  }
  // Points that exist only with checkpoints, asked for without.
  auto r = run({build_path("apps/sluice"), "run", "click-counts",
                "--inject-failures=alignment-kills=1"},
               dir.path(), 30s);
  BOOST_CHECK_EQUAL(r.exit_code, 2);
  BOOST_CHECK_MESSAGE(r.err.find("alignment-kills needs checkpointing") != std::string::npos,
                      r.err);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace recovery_cli_test
