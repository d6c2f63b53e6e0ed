// Operators whose uids differ only in characters a file name cannot hold
// ("a/b" and "a_b") keep their lmdb state apart: each gets its own working
// directory (snapshot/file_names.hpp). They used to share one, so two keyed
// sums read and wrote each other's accumulators.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "operators/environment.hpp"
#include "tests/snapshot/snapshot_test_util.hpp"

namespace lmdb_working_dirs_test {

namespace {

struct tally {
  std::string word;
  int64_t count = 0;
};

} // namespace

BOOST_AUTO_TEST_SUITE(lmdb_working_dirs)

BOOST_AUTO_TEST_CASE(uids_that_differ_in_unsafe_characters_keep_their_own_lmdb_state) {
  sluice::snapshot_test::scratch_dir local;
  std::vector<tally> input;
  std::map<std::string, int64_t> n; // occurrences per word
  for (int i = 0; i < 3000; ++i) {
    auto word = "w" + std::to_string(i * 7 % 11);
    input.push_back({word, 1});
    ++n[word];
  }
  sluice::environment env;
  env.set_parallelism(1).set_batch_size(16);
  sluice::state_config state;
  state.backend = sluice::state_backend_kind::lmdb;
  state.local_dir = local.path().string();
  env.set_state_config(state);
  auto by_word = [](const tally& t) { return t.word; };
  // The first sum counts, the second sums the running counts: 1 + 2 + ... + n.
  auto out = env.from_collection(input)
               .key_by(by_word)
               .sum(&tally::count)
               .uid("a/b")
               .key_by(by_word)
               .sum(&tally::count)
               .uid("a_b")
               .collect();
  auto job = env.execute_async("two-uids");
  auto result = job.wait_for(std::chrono::seconds{120});
  if (!result)
    job.cancel();
  BOOST_REQUIRE_MESSAGE(result, "the job did not end within 120 s");
  BOOST_REQUIRE_EQUAL(sluice::to_string(result->status), "finished");
  std::map<std::string, int64_t> last;
  for (auto& t : out->values())
    last[t.word] = t.count;
  BOOST_REQUIRE_EQUAL(last.size(), n.size());
  for (auto& [word, k] : n)
    BOOST_CHECK_MESSAGE(last[word] == k * (k + 1) / 2,
                        word << ": " << last[word] << ", expected " << k * (k + 1) / 2);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace lmdb_working_dirs_test
