// `sluice run consistency-levels` (the seeds' StateConsistencyExample with
// injected kills): exactly-once state loses and duplicates nothing,
// at-least-once loses nothing, at-most-once (no checkpoints, a source that
// cannot rewind) loses records; every level restarted once per kill.
#include <boost/test/unit_test.hpp>

#include "apps/jobs/consistency_levels.hpp"
#include "tests/apps/process.hpp"

using namespace std::chrono_literals;

namespace consistency_levels_test {

using namespace sluice::apps;

BOOST_AUTO_TEST_SUITE(consistency_levels_demo)

BOOST_AUTO_TEST_CASE(each_level_keeps_its_promise_under_the_same_kills) {
  consistency_options opts;
  opts.clicks.count = 2000;
  opts.clicks.rate = 2000;
  opts.faults.kills = 2;
  opts.faults.min_interval = 150ms;
  opts.faults.max_interval = 250ms;
  for (auto level : {consistency_level::at_most_once, consistency_level::at_least_once,
                     consistency_level::exactly_once}) {
    BOOST_TEST_CONTEXT(to_string(level)) {
      auto r = run_consistency_level(level, opts);
      BOOST_REQUIRE_MESSAGE(r.failure.empty(), r.failure);
      BOOST_CHECK_EQUAL(r.restarts, 2u);
      BOOST_CHECK_EQUAL(r.users.size(), 4u); // Mary, Alice, Bob, Cary
      int64_t expected = 0;
      for (auto& [user, u] : r.users)
        expected += u.expected;
      BOOST_CHECK_EQUAL(expected, 2000);
      BOOST_TEST_MESSAGE(to_string(level) << ": lost " << r.lost() << ", duplicated "
                                          << r.duplicated());
      switch (level) {
        case consistency_level::at_most_once:
          BOOST_CHECK_GT(r.lost(), 0);
          BOOST_CHECK_EQUAL(r.duplicated(), 0);
          break;
        case consistency_level::at_least_once:
          BOOST_CHECK_EQUAL(r.lost(), 0);
          break;
        case consistency_level::exactly_once:
          BOOST_CHECK_EQUAL(r.lost(), 0);
          BOOST_CHECK_EQUAL(r.duplicated(), 0);
          break;
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(sluice_run_prints_the_three_tables) {
  sluice::test::temp_dir dir;
  auto r = sluice::test::run({sluice::test::build_path("apps/sluice"), "run",
                              "consistency-levels", "--inject-failures=seed=2,kills=1"},
                             dir.path(), 120s);
  BOOST_REQUIRE(!r.timed_out);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  for (auto header : {"at-most-once: 1 restarts", "at-least-once: 1 restarts",
                      "exactly-once: 1 restarts", "expected  observed    lost  duplicated"})
    BOOST_CHECK_MESSAGE(r.out.find(header) != std::string::npos, header << " missing in\n"
                                                                        << r.out);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace consistency_levels_test
