// Every job of `sluice run` whose source can replay, run as a user runs it
// under `--inject-failures` kills with checkpointing, ends with exactly the
// state of a failure-free run: its --output part files (the transactional
// file sink) hold the same lines, each once, and at least 3 restarts really
// happened (the job's own report on stderr). word-count reads a 3 M-word
// file: before the file went through the replayable file source, every
// restart read the file again from the start onto restored counts (about
// 2.2 times the truth after 3 kills). consistency-levels reports its own
// restarts and losses.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "operators/transactional_file_sink.hpp"
#include "tests/apps/process.hpp"
#include "tests/apps/reference.hpp"

using namespace std::chrono_literals;

namespace sample_apps_failover_test {

using namespace sluice::test;

namespace {

/// Restarts the job reported ("the job restarted N times"), 0 when none.
int restarts_of(const std::string& err) {
  std::smatch m;
  if (std::regex_search(err, m, std::regex{R"(the job restarted (\d+) times)"}))
    return std::stoi(m[1].str());
  return 0;
}

/// `sluice run JOB ARGS... --output DIR` with 50 ms checkpoints; the sorted
/// committed lines, after checking that the job finished.
std::vector<std::string> run_to_files(const std::string& job, std::vector<std::string> args,
                                      const temp_dir& dir, const std::string& out_name,
                                      int* restarts) {
  auto out = dir / out_name;
  std::vector<std::string> argv{build_path("apps/sluice"), "run", job,
                                "--checkpointing.interval=50ms", "--output", out.string(),
                                "--restart-strategy.type=fixed-delay",
                                "--restart-strategy.attempts=100",
                                "--restart-strategy.delay=10ms"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run(argv, dir.path(), 180s);
  BOOST_REQUIRE_MESSAGE(!r.timed_out, job << " timed out; stderr:\n" << r.err);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, job << " exited " << r.exit_code << ":\n" << r.err);
  BOOST_CHECK_MESSAGE(r.err.find("job finished") != std::string::npos, r.err);
  if (restarts != nullptr)
    *restarts = restarts_of(r.err);
  auto lines = sluice::read_committed_lines(out);
  std::sort(lines.begin(), lines.end());
  return lines;
}

struct sample_case {
  const char* job;
  /// Options that make the job run for a few seconds.
  std::vector<std::string> args;
};

/// Fixed-input examples: their seed's input `repeat` times over at `rate`
/// records per second, about 2 s of input; generator jobs: 3000 events at
/// 1500 per second. The kills come within the first 0.9 s of running time.
std::vector<std::string> fixed(int repeat, int rate = 1500) {
  return {"-p", "2", "--examples.repeat=" + std::to_string(repeat),
          "--examples.rate=" + std::to_string(rate)};
}

const std::vector<std::string> generated = {"-p", "2", "--generator.count=3000",
                                            "--generator.rate=1500", "--generator.users=7"};

const sample_case cases[] = {
  {"click-counts", generated},
  {"window-stats", generated},
  {"value-state-average", fixed(600)},        // 5 records
  {"list-state-average", fixed(500)},         // 6 records
  {"map-state-average", fixed(500)},
  {"reducing-state-sum", fixed(500)},
  {"aggregating-state-contains", fixed(200, 600)}, // its lines grow with every record
  {"sliding-word-count", fixed(430)},         // 7 lines
  {"count-window-max", fixed(273)},           // 11 lines
  {"tumbling-sum", fixed(333)},               // 9 lines
  {"count-window-average", fixed(300)},       // 10 lines
};

} // namespace

BOOST_AUTO_TEST_SUITE(sample_apps_failover)

BOOST_AUTO_TEST_CASE(every_replayable_sample_job_ends_exact_under_kills) {
  for (auto& c : cases) {
    BOOST_TEST_CONTEXT(c.job) {
      temp_dir dir;
      auto expected = run_to_files(c.job, c.args, dir, "calm", nullptr);
      BOOST_REQUIRE_MESSAGE(!expected.empty(), c.job << " wrote nothing without failures");
      auto args = c.args;
      args.push_back("--inject-failures=seed=7,kills=3,min-interval=100ms,max-interval=300ms");
      int restarts = 0;
      auto got = run_to_files(c.job, args, dir, "killed", &restarts);
      BOOST_CHECK_GE(restarts, 3);
      BOOST_CHECK_EQUAL(got.size(), expected.size());
      BOOST_CHECK_MESSAGE(got == expected, c.job << ": the output under kills differs from "
                                                    "the failure-free output");
    }
  }
}

// The issue's reproduction: a 3 M-word file, 50 ms checkpoints, kills every
// 50-300 ms; every word's final count (the highest the at-least-once print
// sink printed) equals the truth.
BOOST_AUTO_TEST_CASE(word_count_of_a_file_ends_exact_under_kills) {
  temp_dir dir;
  auto text = make_text(550000, 19);
  write_file(dir / "words.txt", text);
  auto expected = reference_word_counts(text);
  int64_t words = 0;
  for (auto& [w, n] : expected)
    words += n;
  BOOST_REQUIRE_GT(words, 2500000);
  auto r = run({build_path("apps/sluice"), "run", "word-count", "--input",
                (dir / "words.txt").string(), "-p", "2", "--checkpointing.interval=50ms",
                "--inject-failures=seed=11,kills=3,min-interval=50ms,max-interval=300ms",
                "--restart-strategy.type=fixed-delay", "--restart-strategy.attempts=100",
                "--restart-strategy.delay=10ms"},
               dir.path(), 300s);
  BOOST_REQUIRE(!r.timed_out);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  BOOST_CHECK_MESSAGE(r.err.find("job finished") != std::string::npos, r.err);
  BOOST_CHECK_GE(restarts_of(r.err), 3);
  BOOST_CHECK_MESSAGE(r.err.find("at-most-once") == std::string::npos, r.err);
  std::map<std::string, int64_t> highest;
  for (auto& raw : lines_of(r.out)) {
    std::string word;
    int64_t n = 0;
    BOOST_REQUIRE_MESSAGE(parse_word_count(strip_subtask_prefix(raw), word, n),
                          "unexpected line: " << raw);
    highest[word] = std::max(highest[word], n);
  }
  BOOST_CHECK_EQUAL(highest.size(), expected.size());
  for (auto& [word, n] : expected)
    BOOST_CHECK_MESSAGE(highest[word] == n,
                        "'" << word << "': counted " << highest[word] << ", the file has " << n);
}

// consistency-levels runs its three levels under the same kills: its
// exactly-once table shows 3 restarts and nothing lost or duplicated.
BOOST_AUTO_TEST_CASE(consistency_levels_exactly_once_survives_three_kills) {
  temp_dir dir;
  auto r = run({build_path("apps/sluice"), "run", "consistency-levels",
                "--inject-failures=seed=5,kills=3,min-interval=150ms,max-interval=300ms"},
               dir.path(), 180s);
  BOOST_REQUIRE(!r.timed_out);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto at = r.out.find("exactly-once: 3 restarts\n");
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, r.out);
  std::smatch m;
  auto table = r.out.substr(at);
  BOOST_REQUIRE(std::regex_search(table, m, std::regex{R"(total\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+))"}));
  BOOST_CHECK_EQUAL(m[1].str(), m[2].str()); // expected == observed
  BOOST_CHECK_EQUAL(m[3].str(), "0");        // lost
  BOOST_CHECK_EQUAL(m[4].str(), "0");        // duplicated
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace sample_apps_failover_test
