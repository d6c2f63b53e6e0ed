// The `sluice` executable as a user runs it: sample jobs on small inputs
// against reference computations, exit codes and messages for bad input,
// --help, and cancellation by SIGINT/SIGTERM.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <map>
#include <string>
#include <vector>

#include "operators/sources.hpp"
#include "tests/apps/process.hpp"
#include "tests/apps/reference.hpp"

using namespace std::chrono_literals;

namespace cli_test {

using namespace sluice::test;

namespace {

std::string sluice_exe() {
  return build_path("apps/sluice");
}

std::vector<std::string> sluice_args(std::vector<std::string> args) {
  args.insert(args.begin(), sluice_exe());
  return args;
}

/// Visits per user among the generator's first `count` events.
std::map<std::string, int64_t> visits(uint64_t count, uint64_t users, uint64_t seed) {
  sluice::click_source_options opts;
  opts.count = count;
  opts.users = users;
  opts.seed = seed;
  std::map<std::string, int64_t> per_user;
  for (uint64_t i = 0; i < opts.count; ++i)
    ++per_user[sluice::click_event_at(opts, i).user];
  return per_user;
}

} // namespace

BOOST_AUTO_TEST_SUITE(sluice_cli)

BOOST_AUTO_TEST_CASE(word_count_from_a_file_matches_the_reference) {
  temp_dir dir;
  auto text = make_text(3000, 7);
  write_file(dir / "words.txt", text);
  auto expected = reference_word_counts(text);
  BOOST_REQUIRE(expected.size() > 10);
  for (std::string p : {"1", "2"}) {
    BOOST_TEST_CONTEXT("parallelism " << p) {
      auto r = run(sluice_args({"run", "word-count", "--input", (dir / "words.txt").string(),
                                "-p", p}),
                   dir.path());
      BOOST_REQUIRE_EQUAL(r.exit_code, 0);
      BOOST_CHECK(r.err.find("job finished") != std::string::npos);
      auto problem = check_running_counts(lines_of(r.out), expected, parse_word_count);
      BOOST_CHECK_MESSAGE(problem.empty(), problem);
    }
  }
}

BOOST_AUTO_TEST_CASE(word_count_from_stdin_matches_the_reference) {
  temp_dir dir;
  // More than a pipe holds (64 KiB), written while the job reads.
  auto text = make_text(20000, 11);
  BOOST_REQUIRE(text.size() > 256 * 1024);
  auto expected = reference_word_counts(text);
  process p{sluice_args({"run", "word-count"}), dir.path(), process::input::pipe};
  BOOST_REQUIRE(p.write_stdin(text));
  p.close_stdin();
  auto r = p.wait(60s);
  BOOST_REQUIRE(!r.timed_out);
  BOOST_REQUIRE_EQUAL(r.exit_code, 0);
  auto problem = check_running_counts(lines_of(r.out), expected, parse_word_count);
  BOOST_CHECK_MESSAGE(problem.empty(), problem);
  // `--input -` and a redirected file are stdin too.
  write_file(dir / "small.txt", "To be, or not to be\n");
  auto dash = run(sluice_args({"run", "word-count", "--input=-"}), dir.path(), 30s,
                  dir / "small.txt");
  BOOST_CHECK_EQUAL(dash.exit_code, 0);
  BOOST_CHECK_EQUAL(dash.out, "(to,1)\n(be,1)\n(or,1)\n(not,1)\n(to,2)\n(be,2)\n");
}

BOOST_AUTO_TEST_CASE(word_count_on_empty_input_finishes_with_no_output) {
  temp_dir dir;
  write_file(dir / "empty.txt", "");
  auto r = run(sluice_args({"run", "word-count", "--input", (dir / "empty.txt").string()}),
               dir.path());
  BOOST_CHECK_EQUAL(r.exit_code, 0);
  BOOST_CHECK_EQUAL(r.out, "");
  auto from_null = run(sluice_args({"run", "word-count"}), dir.path());
  BOOST_CHECK_EQUAL(from_null.exit_code, 0);
  BOOST_CHECK_EQUAL(from_null.out, "");
}

BOOST_AUTO_TEST_CASE(click_counts_counts_every_users_visits) {
  temp_dir dir;
  auto expected = visits(300, 7, 5);
  auto r = run(sluice_args({"run", "click-counts", "-p", "2", "--generator.count=300",
                            "--generator.users=7", "--generator.seed", "5",
                            "--generator.rate=0"}),
               dir.path());
  BOOST_REQUIRE_EQUAL(r.exit_code, 0);
  auto problem = check_running_counts(lines_of(r.out), expected, parse_visit_count);
  BOOST_CHECK_MESSAGE(problem.empty(), problem);
}

// The quick start's program (scripts/run-sample) is `sluice run
// click-counts` alone: same options, same records, same refusals.
BOOST_AUTO_TEST_CASE(sluice_click_counts_runs_the_same_job_as_sluice_run) {
  temp_dir dir;
  auto expected = visits(300, 7, 5);
  std::vector<std::string> options{"-p", "2", "--generator.count=300", "--generator.users=7",
                                   "--generator.seed", "5", "--generator.rate=0"};
  auto quick = build_path("apps/sluice-click-counts");
  std::vector<std::string> argv{quick};
  argv.insert(argv.end(), options.begin(), options.end());
  auto r = run(argv, dir.path());
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto problem = check_running_counts(lines_of(r.out), expected, parse_visit_count);
  BOOST_CHECK_MESSAGE(problem.empty(), problem);
  auto full = run(sluice_args({"run", "click-counts", "-p", "2", "--generator.count=300",
                               "--generator.users=7", "--generator.seed", "5",
                               "--generator.rate=0"}),
                  dir.path());
  BOOST_REQUIRE_EQUAL(full.exit_code, 0);
  auto sorted = [](std::vector<std::string> xs) {
    std::sort(xs.begin(), xs.end());
    return xs;
  };
  BOOST_CHECK(sorted(lines_of(r.out)) == sorted(lines_of(full.out)));
  auto bad = run({quick, "--generator.rate=-1"}, dir.path());
  BOOST_CHECK_EQUAL(bad.exit_code, 2);
  BOOST_CHECK_MESSAGE(bad.err.find("generator.rate") != std::string::npos, bad.err);
  auto extra = run({quick, "word-count"}, dir.path());
  BOOST_CHECK_EQUAL(extra.exit_code, 2);
  BOOST_CHECK_MESSAGE(extra.err.find("unexpected argument 'word-count'") != std::string::npos,
                      extra.err);
}

// `flink run -s PATH -p 3 job.jar` puts options first: so may sluice run.
BOOST_AUTO_TEST_CASE(options_may_come_before_and_after_the_job_name) {
  temp_dir dir;
  auto expected = visits(200, 5, 8);
  for (auto args : {std::vector<std::string>{"run", "-p", "2", "--generator.count", "200",
                                             "--generator.users=5", "click-counts",
                                             "--generator.seed=8", "--generator.rate=0"},
                    std::vector<std::string>{"run", "--generator.count=200", "-p", "2",
                                             "--generator.users", "5", "--generator.seed",
                                             "8", "--generator.rate=0", "click-counts"}}) {
    BOOST_TEST_CONTEXT(args[1] << " " << args[2] << " ...") {
      auto r = run(sluice_args(args), dir.path());
      BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
      auto problem = check_running_counts(lines_of(r.out), expected, parse_visit_count);
      BOOST_CHECK_MESSAGE(problem.empty(), problem);
    }
  }
  write_file(dir / "words.txt", "To be, or not to be\n");
  auto wc = run(sluice_args({"run", "--input", (dir / "words.txt").string(), "word-count"}),
                dir.path());
  BOOST_CHECK_EQUAL(wc.exit_code, 0);
  BOOST_CHECK_EQUAL(wc.out, "(to,1)\n(be,1)\n(or,1)\n(not,1)\n(to,2)\n(be,2)\n");
  auto none = run(sluice_args({"run", "-p", "2"}), dir.path());
  BOOST_CHECK_EQUAL(none.exit_code, 2);
  BOOST_CHECK_MESSAGE(none.err.find("run needs a job name") != std::string::npos, none.err);
}

// stdin cannot be replayed: with checkpointing on, word-count says at start
// that it is at-most-once for that input; a file is replayed and says
// nothing of the kind.
BOOST_AUTO_TEST_CASE(word_count_warns_that_stdin_is_at_most_once_under_checkpointing) {
  temp_dir dir;
  write_file(dir / "words.txt", "hello world\nhello\n");
  auto from_stdin = run(sluice_args({"run", "word-count", "--checkpointing.interval=100ms"}),
                        dir.path(), 30s, dir / "words.txt");
  BOOST_CHECK_EQUAL(from_stdin.exit_code, 0);
  BOOST_CHECK_EQUAL(from_stdin.out, "(hello,1)\n(world,1)\n(hello,2)\n");
  BOOST_CHECK_MESSAGE(from_stdin.err.find("sluice: warning: source 'stdin' cannot replay its "
                                          "input: the job is at-most-once for it")
                        != std::string::npos,
                      from_stdin.err);
  auto from_file = run(sluice_args({"run", "word-count", "--checkpointing.interval=100ms",
                                    "--input", (dir / "words.txt").string()}),
                       dir.path());
  BOOST_CHECK_EQUAL(from_file.exit_code, 0);
  BOOST_CHECK_EQUAL(from_file.out, from_stdin.out);
  BOOST_CHECK_MESSAGE(from_file.err.find("at-most-once") == std::string::npos, from_file.err);
  // Without checkpointing nothing is promised, so nothing is downgraded.
  auto plain = run(sluice_args({"run", "word-count"}), dir.path(), 30s, dir / "words.txt");
  BOOST_CHECK_MESSAGE(plain.err.find("at-most-once") == std::string::npos, plain.err);
}

BOOST_AUTO_TEST_CASE(a_missing_input_file_exits_2_naming_the_file) {
  temp_dir dir;
  auto missing = (dir / "no-such-words.txt").string();
  auto r = run(sluice_args({"run", "word-count", "--input", missing}), dir.path());
  BOOST_CHECK_EQUAL(r.exit_code, 2);
  BOOST_CHECK_MESSAGE(r.err.find(missing) != std::string::npos, r.err);
  BOOST_CHECK_MESSAGE(r.err.find("No such file") != std::string::npos, r.err);
  BOOST_CHECK_EQUAL(r.out, "");
  auto directory = run(sluice_args({"run", "word-count", "--input", dir.path().string()}),
                       dir.path());
  BOOST_CHECK_EQUAL(directory.exit_code, 2);
  BOOST_CHECK_MESSAGE(directory.err.find(dir.path().string()) != std::string::npos,
                      directory.err);
}

BOOST_AUTO_TEST_CASE(bad_options_exit_2_naming_the_option) {
  temp_dir dir;
  struct bad_case {
    std::vector<std::string> args;
    std::string named;
  };
  std::vector<bad_case> cases = {
    {{"run", "word-count", "--no-such-option=1"}, "no-such-option"},
    {{"run", "click-counts", "--generator.count=many"}, "generator.count"},
    {{"run", "click-counts", "--generator.rate=-1"}, "generator.rate"},
    {{"run", "click-counts", "--generator.splits=0"}, "generator.splits"},
    {{"run", "tumbling-sum", "--examples.repeat=0"}, "examples.repeat"},
    {{"run", "tumbling-sum", "--examples.rate=-2"}, "examples.rate"},
    {{"run", "consistency-levels", "--output=x", "--checkpointing.interval=1s"}, "output"},
    {{"run", "click-counts", "--pipeline.parallelism=0"}, "pipeline.parallelism"},
    {{"run", "word-count", "-p"}, "pipeline.parallelism"},
    {{"run", "word-count", "--input"}, "input"},
    {{"run", "no-such-job"}, "no-such-job"},
    {{"run", "word-count", "stray-argument"}, "stray-argument"},
    {{"frobnicate"}, "frobnicate"},
    {{"run", "word-count", "--state.backend=rocksdb"}, "state.backend"},
    {{"run", "word-count", "--heartbeat.interval=1s", "--heartbeat.timeout=100ms"},
     "heartbeat.timeout"},
    {{"run", "word-count", "--heartbeat.interval=0s"}, "heartbeat.interval"},
    {{"run", "word-count", "--state.incremental=true"}, "state.incremental"},
    {{"run", "word-count", "--state.lmdb-cache-entries=-1"}, "state.lmdb-cache-entries"},
    {{"run", "word-count", "--restart-strategy.type=sometimes"}, "restart-strategy.type"},
    {{"run", "word-count", "--restart-strategy.jitter-factor=2"},
     "restart-strategy.jitter-factor"},
  };
  for (auto& c : cases) {
    BOOST_TEST_CONTEXT("sluice " << c.args.back()) {
      auto r = run(sluice_args(c.args), dir.path());
      BOOST_CHECK_EQUAL(r.exit_code, 2);
      BOOST_CHECK_MESSAGE(r.err.find(c.named) != std::string::npos, r.err);
      BOOST_CHECK_EQUAL(r.out, "");
    }
  }
}

BOOST_AUTO_TEST_CASE(help_lists_every_option_and_job) {
  temp_dir dir;
  for (auto args : {std::vector<std::string>{"--help"},
                    std::vector<std::string>{"run", "word-count", "-h"}}) {
    auto r = run(sluice_args(args), dir.path());
    BOOST_CHECK_EQUAL(r.exit_code, 0);
    auto all = r.out + r.err;
    for (auto opt : {"--input", "--config-file", "--generator.count", "--generator.rate",
                     "--generator.users", "--generator.seed", "--generator.splits",
                     "--examples.repeat", "--examples.rate", "--output", "--pipeline.parallelism",
                     "--pipeline.max-parallelism", "--pipeline.batch-size",
                     "--pipeline.buffer-timeout", "--pipeline.auto-watermark-interval",
                     "--pipeline.threads",
                     "--pipeline.buffers-per-channel", "--state.backend", "--state.local-dir",
                     "click-counts", "word-count"})
      BOOST_CHECK_MESSAGE(all.find(opt) != std::string::npos, "--help lacks " << opt);
  }
}

BOOST_AUTO_TEST_CASE(sigint_and_sigterm_cancel_an_unbounded_job_with_exit_0) {
  temp_dir dir;
  for (int sig : {SIGINT, SIGTERM}) {
    BOOST_TEST_CONTEXT("signal " << sig) {
      process p{sluice_args({"run", "click-counts", "--generator.count=0",
                             "--generator.rate=200"}),
                dir.path()};
      BOOST_REQUIRE(p.wait_for_output("visit count: 3", 10s));
      p.send(sig);
      // The unbounded job ends only by the signal: a 60 s hang guard, no
      // time bound (a cancel that did not work would hang).
      auto r = p.wait(60s);
      BOOST_REQUIRE(!r.timed_out);
      BOOST_CHECK_EQUAL(r.exit_code, 0);
      BOOST_CHECK_MESSAGE(r.err.find("job cancelled") != std::string::npos, r.err);
    }
  }
}

BOOST_AUTO_TEST_CASE(sigint_stops_word_count_waiting_on_an_open_stdin) {
  temp_dir dir;
  process p{sluice_args({"run", "word-count"}), dir.path(), process::input::pipe};
  BOOST_REQUIRE(p.write_stdin("hello world\nhello\n"));
  // stdin stays open: the source has nothing to read but must not block.
  BOOST_REQUIRE(p.wait_for_output("(hello,2)", 10s));
  p.send(SIGINT);
  // stdin stays open: only the signal can end the job (60 s hang guard).
  auto r = p.wait(60s);
  BOOST_REQUIRE(!r.timed_out);
  BOOST_CHECK_EQUAL(r.exit_code, 0);
  BOOST_CHECK_EQUAL(r.out, "(hello,1)\n(world,1)\n(hello,2)\n");
  BOOST_CHECK_MESSAGE(r.err.find("job cancelled") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace cli_test
