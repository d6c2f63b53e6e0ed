// The word-count sample job and its line source, through the C++ API.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "apps/jobs/line_source.hpp"
#include "apps/jobs/word_count.hpp"
#include "tests/apps/process.hpp"
#include "tests/apps/reference.hpp"

namespace word_count_test {

using namespace sluice::test;

namespace {

/// Every line `line_source` reads from `path`, at batch size `batch`.
std::vector<std::string> read_lines(const std::string& path, uint32_t batch) {
  sluice::environment env;
  env.set_batch_size(batch);
  auto out = env.add_source<std::string>(
                  "lines", [path] { return std::make_unique<sluice::apps::line_source>(path); },
                  1)
               .collect();
  auto result = env.execute("read-lines");
  BOOST_REQUIRE_EQUAL(sluice::to_string(result.status), "finished");
  return out->values();
}

} // namespace

BOOST_AUTO_TEST_SUITE(word_count)

// Flink's WordCount: `line.toLowerCase().split("\\W+")`, empty tokens
// dropped. Letters, digits and '_' are word characters (Java's ASCII \w).
BOOST_AUTO_TEST_CASE(split_words_splits_like_flinks_word_count) {
  using sluice::apps::split_words;
  using words = std::vector<std::string>;
  BOOST_CHECK(split_words("") == words{});
  BOOST_CHECK(split_words(" ,.- ") == words{});
  BOOST_CHECK((split_words(" ,.42 ") == words{"42"}));
  BOOST_CHECK((split_words("Hello, World!") == words{"hello", "world"}));
  BOOST_CHECK((split_words("w12x foo_bar") == words{"w12x", "foo_bar"}));
  BOOST_CHECK((split_words("it's x2y--Z _") == words{"it", "s", "x2y", "z", "_"}));
  BOOST_CHECK((split_words("caf\xc3\xa9 au\tlait\r") == words{"caf", "au", "lait"}));
}

BOOST_AUTO_TEST_CASE(running_counts_match_the_reference_at_every_parallelism) {
  auto text = make_text(2000, 3);
  auto expected = reference_word_counts(text);
  for (uint32_t p : {1u, 2u, 4u}) {
    BOOST_TEST_CONTEXT("parallelism " << p) {
      sluice::environment env;
      env.set_parallelism(p);
      env.set_batch_size(64);
      auto out = sluice::apps::word_counts(env.from_collection(lines_of(text))).collect();
      BOOST_REQUIRE_EQUAL(sluice::to_string(env.execute("word-count").status), "finished");
      std::vector<std::string> printed;
      for (auto& wc : out->values()) {
        std::ostringstream line;
        line << wc;
        printed.push_back(line.str());
      }
      auto problem = check_running_counts(printed, expected, parse_word_count);
      BOOST_CHECK_MESSAGE(problem.empty(), problem);
    }
  }
}

BOOST_AUTO_TEST_CASE(line_source_reads_every_line_in_order) {
  temp_dir dir;
  // CRLF and LF, an empty line, no break after the last line.
  write_file(dir / "small.txt", "first\r\nsecond\n\nlast");
  for (uint32_t batch : {1u, 2u, 1024u})
    BOOST_CHECK((read_lines((dir / "small.txt").string(), batch)
                 == std::vector<std::string>{"first", "second", "", "last"}));
  // Lines across the source's 64 KiB read chunks, small and large batches.
  std::string big;
  std::vector<std::string> expected;
  for (int i = 0; i < 30000; ++i) {
    expected.push_back("line " + std::to_string(i) + std::string(static_cast<size_t>(i % 17), 'x'));
    big += expected.back() + '\n';
  }
  write_file(dir / "big.txt", big);
  for (uint32_t batch : {7u, 1024u})
    BOOST_CHECK(read_lines((dir / "big.txt").string(), batch) == expected);
}

BOOST_AUTO_TEST_CASE(line_source_fails_the_job_naming_a_file_that_vanished) {
  temp_dir dir;
  auto path = (dir / "gone.txt").string();
  BOOST_CHECK(sluice::apps::check_input_file(path).find(path) != std::string::npos);
  BOOST_CHECK(sluice::apps::check_input_file("").empty());
  BOOST_CHECK(sluice::apps::check_input_file("-").empty());
  sluice::environment env;
  env.add_source<std::string>(
       "lines", [path] { return std::make_unique<sluice::apps::line_source>(path); }, 1)
    .collect();
  auto result = env.execute("read-lines");
  BOOST_CHECK_EQUAL(sluice::to_string(result.status), "failed");
  BOOST_CHECK_MESSAGE(result.message.find(path) != std::string::npos, result.message);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace word_count_test
