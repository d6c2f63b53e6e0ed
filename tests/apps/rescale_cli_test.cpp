// The main sample rescaled through savepoints, as a user does it with
// Flink's option order (`sluice run -s PATH -p 3 click-counts`): click-counts
// runs at parallelism 2, is stopped with a savepoint (`sluice stop
// --savepoint-path`), resumes at 3, is stopped again, and finishes at 1.
// Its --output part files then hold every user's running count exactly
// once: the generator's positions are kept per split, so each parallelism
// continues exactly where the last one stopped. Before, a restore at
// another parallelism failed every restart attempt ("restored 0 offsets
// ..., expected 1").
#include <boost/test/unit_test.hpp>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "operators/sources.hpp"
#include "operators/transactional_file_sink.hpp"
#include "tests/apps/reference.hpp"
#include "tests/apps/running_job.hpp"

using namespace std::chrono_literals;

namespace rescale_cli_test {

using namespace sluice::test;

namespace {

sluice::click_source_options generator() {
  sluice::click_source_options opts;
  opts.count = 4000;
  opts.rate = 800;
  opts.users = 7;
  opts.seed = 9;
  return opts;
}

/// The generator, checkpoint and output options of every run.
std::vector<std::string> common_options(const temp_dir& dir) {
  return {"--generator.count=4000", "--generator.rate=800", "--generator.users=7",
          "--generator.seed=9", "--checkpointing.interval=50ms",
          "--output=" + (dir / "out").string(), "--rest.port=0"};
}

size_t committed(const temp_dir& dir) {
  return sluice::read_committed_lines(dir / "out").size();
}

/// Runs click-counts with `options` before the job name until at least
/// `more` further lines were committed, stops it with a savepoint and
/// returns the savepoint's path ("" on failure, after reporting it).
std::string run_and_stop(const temp_dir& dir, std::vector<std::string> options, size_t more,
                         const std::string& name) {
  auto args = options;
  args.insert(args.begin(), "run");
  auto common = common_options(dir);
  args.insert(args.end(), common.begin(), common.end());
  args.push_back("click-counts");
  auto before = committed(dir);
  running_job job{dir, args, "err-" + name};
  auto port = job.wait_for_port();
  BOOST_REQUIRE_MESSAGE(port, name << ": no REST endpoint line:\n" << job.err_so_far());
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (committed(dir) < before + more && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  BOOST_REQUIRE_MESSAGE(committed(dir) >= before + more,
                        name << ": too little output:\n" << job.err_so_far());
  auto list = sluice_cli({"list"}, *port, dir);
  auto id = running_job_id(list.out);
  BOOST_REQUIRE_MESSAGE(!id.empty(), name << ": no running job:\n" << list.out << list.err);
  auto stop = sluice_cli({"stop", "--savepoint-path", (dir / ("sp-" + name)).string(), id},
                         *port, dir);
  BOOST_CHECK_MESSAGE(stop.exit_code == 0, name << ": " << stop.out << stop.err);
  auto ended = job.proc().wait(60s);
  BOOST_REQUIRE(!ended.timed_out);
  BOOST_CHECK_MESSAGE(ended.exit_code == 0, name << ":\n" << job.err_so_far());
  BOOST_CHECK_MESSAGE(job.err_so_far().find("restarted") == std::string::npos,
                      name << ":\n" << job.err_so_far());
  return savepoint_path(stop.out);
}

} // namespace

BOOST_AUTO_TEST_SUITE(rescale_cli)

BOOST_AUTO_TEST_CASE(click_counts_rescales_2_to_3_to_1_through_savepoints_exactly) {
  temp_dir dir;
  auto first = run_and_stop(dir, {"-p", "2"}, 400, "p2");
  BOOST_REQUIRE(!first.empty());
  auto second = run_and_stop(dir, {"-s", first, "-p", "3"}, 400, "p3");
  BOOST_REQUIRE(!second.empty());
  BOOST_REQUIRE_LT(committed(dir), 4000u); // the last run has work left
  auto args = std::vector<std::string>{build_path("apps/sluice"), "run", "-s", second, "-p", "1"};
  auto common = common_options(dir);
  args.insert(args.end(), common.begin(), common.end());
  args.push_back("click-counts");
  auto last = run(args, dir.path(), 120s);
  BOOST_REQUIRE(!last.timed_out);
  BOOST_REQUIRE_MESSAGE(last.exit_code == 0, last.err);
  BOOST_CHECK_MESSAGE(last.err.find("restarted") == std::string::npos, last.err);

  std::vector<std::string> users;
  auto opts = generator();
  for (uint64_t i = 0; i < opts.count; ++i)
    users.push_back(sluice::click_event_at(opts, i).user);
  auto expected = running_count_lines(users);
  auto lines = sluice::read_committed_lines(dir / "out");
  std::multiset<std::string> got(lines.begin(), lines.end());
  BOOST_CHECK_EQUAL(got.size(), expected.size());
  BOOST_CHECK(got == expected);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace rescale_cli_test
