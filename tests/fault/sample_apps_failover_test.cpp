// word-count of a file, run as a user runs it under `--inject-failures`
// kills with checkpointing, ends with every word's exact count. Before the
// file went through the replayable file source, every restart read the
// file again from the start onto restored counts (about 2.2 times the
// truth after 3 kills).
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "tests/apps/process.hpp"
#include "tests/apps/reference.hpp"

using namespace std::chrono_literals;
using namespace sluice::test;

namespace {

/// Restarts the job reported ("the job restarted N times"), 0 when none.
int restarts_of(const std::string& err) {
  std::smatch m;
  if (std::regex_search(err, m, std::regex{R"(the job restarted (\d+) times)"}))
    return std::stoi(m[1].str());
  return 0;
}

} // namespace

BOOST_AUTO_TEST_SUITE(sample_apps_failover)

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

BOOST_AUTO_TEST_SUITE_END()
