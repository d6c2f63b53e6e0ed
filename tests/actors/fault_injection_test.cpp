// The fault-injection spec (`--inject-failures`) and its seeded schedule,
// without an actor system.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <functional>
#include <vector>

#include "actors/fault/fault_injection.hpp"
#include "actors/fault/fault_points.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace fault_injection_test {

BOOST_AUTO_TEST_SUITE(fault_injection)

BOOST_AUTO_TEST_CASE(parses_every_key) {
  std::string err;
  auto spec = fault_injection_spec::parse(
    "seed=9,kills=20,min-interval=50ms,max-interval=2s,storage-failures=3,storage-delay=10ms",
    err);
  BOOST_REQUIRE_MESSAGE(spec, err);
  BOOST_CHECK_EQUAL(spec->seed, 9u);
  BOOST_CHECK_EQUAL(spec->kills, 20u);
  BOOST_CHECK(spec->min_interval == 50ms);
  BOOST_CHECK(spec->max_interval == 2000ms);
  BOOST_CHECK_EQUAL(spec->storage_failures, 3u);
  BOOST_CHECK(spec->storage_delay == 10ms);
  BOOST_CHECK(spec->active());
  auto empty = fault_injection_spec::parse("", err);
  BOOST_REQUIRE(empty);
  BOOST_CHECK(!empty->active());
}

BOOST_AUTO_TEST_CASE(errors_name_the_key) {
  struct bad {
    const char* spec;
    const char* named;
  };
  for (auto& c : std::vector<bad>{{"kill=3", "'kill'"},
                                  {"kills=x", "kills"},
                                  {"kills=10001", "kills"},
                                  {"throws=-1", "throws"},
                                  {"restore-kills=", "restore-kills"},
                                  {"seed", "'seed'"},
                                  {"min-interval=5", "min-interval"},
                                  {"storage-failures=11", "storage-failures"},
                                  {"min-interval=2s,max-interval=1s", "min-interval"}}) {
    std::string err;
    BOOST_CHECK_MESSAGE(!fault_injection_spec::parse(c.spec, err), c.spec << " was accepted");
    BOOST_CHECK_MESSAGE(err.find(c.named) != std::string::npos, c.spec << ": " << err);
    BOOST_CHECK_MESSAGE(err.rfind("inject-failures: ", 0) == 0, err);
  }
}

BOOST_AUTO_TEST_CASE(the_same_seed_gives_the_same_schedule) {
  std::string err;
  auto spec = *fault_injection_spec::parse("seed=5,kills=10,min-interval=10ms,max-interval=90ms,"
                                           "storage-failures=4",
                                           err);
  fault_schedule a{spec}, b{spec};
  std::vector<int64_t> delays;
  for (int i = 0; i < 50; ++i) {
    auto d = a.next_delay();
    BOOST_CHECK(d == b.next_delay());
    BOOST_CHECK(d >= 10ms && d <= 90ms);
    delays.push_back(d.count());
    auto p = a.pick(7);
    BOOST_CHECK_EQUAL(p, b.pick(7));
    BOOST_CHECK_LT(p, 7u);
  }
  BOOST_CHECK(std::adjacent_find(delays.begin(), delays.end(), std::not_equal_to<>{})
              != delays.end()); // not constant
  BOOST_CHECK(a.failing_checkpoints() == b.failing_checkpoints());
  BOOST_CHECK_EQUAL(a.failing_checkpoints().size(), 4u);
  for (auto id : a.failing_checkpoints())
    BOOST_CHECK(id >= 1 && id <= 10);
  spec.seed = 6;
  fault_schedule c{spec};
  std::vector<int64_t> other;
  for (int i = 0; i < 50; ++i)
    other.push_back(c.next_delay().count());
  BOOST_CHECK(other != delays);
}

BOOST_AUTO_TEST_CASE(aimed_faults_are_scheduled_in_a_seeded_shuffle) {
  std::string err;
  auto spec = fault_injection_spec::parse("seed=3,kills=2,throws=3,alignment-kills=1,"
                                          "snapshot-kills=2,commit-kills=1,restore-kills=4",
                                          err);
  BOOST_REQUIRE_MESSAGE(spec, err);
  BOOST_CHECK_EQUAL(spec->throws, 3u);
  BOOST_CHECK_EQUAL(spec->alignment_kills, 1u);
  BOOST_CHECK_EQUAL(spec->snapshot_kills, 2u);
  BOOST_CHECK_EQUAL(spec->commit_kills, 1u);
  BOOST_CHECK_EQUAL(spec->restore_kills, 4u);
  BOOST_CHECK_EQUAL(spec->scheduled(), 13u);
  fault_schedule a{*spec}, b{*spec};
  BOOST_CHECK(a.actions() == b.actions());
  auto count = [&](fault_action x) {
    return std::count(a.actions().begin(), a.actions().end(), x);
  };
  BOOST_CHECK_EQUAL(count(fault_action::kill), 2);
  BOOST_CHECK_EQUAL(count(fault_action::throw_in_user_code), 3);
  BOOST_CHECK_EQUAL(count(fault_action::alignment_kill), 1);
  BOOST_CHECK_EQUAL(count(fault_action::snapshot_kill), 2);
  BOOST_CHECK_EQUAL(count(fault_action::commit_kill), 1);
  BOOST_CHECK_EQUAL(count(fault_action::restore_kill), 4);
  // Shuffled, not in key order (for this seed).
  BOOST_CHECK(!std::is_sorted(a.actions().begin(), a.actions().end()));
  auto only_throws = *fault_injection_spec::parse("throws=1", err);
  BOOST_CHECK(only_throws.active());
}

BOOST_AUTO_TEST_CASE(points_that_need_checkpoints_are_refused_without) {
  std::string err;
  for (auto key : {"alignment-kills", "snapshot-kills", "commit-kills", "storage-failures"}) {
    auto spec = fault_injection_spec::parse(std::string{key} + "=1", err);
    BOOST_REQUIRE_MESSAGE(spec, err);
    auto problem = spec->problem(false);
    BOOST_REQUIRE_MESSAGE(problem, key << " accepted without checkpointing");
    BOOST_CHECK_MESSAGE(problem->find(key) != std::string::npos, *problem);
    BOOST_CHECK_MESSAGE(problem->find("checkpointing.interval") != std::string::npos, *problem);
    BOOST_CHECK(!spec->problem(true));
  }
  for (auto ok : {"kills=2", "throws=2", "restore-kills=1"})
    BOOST_CHECK_MESSAGE(!fault_injection_spec::parse(ok, err)->problem(false), ok);
}

BOOST_AUTO_TEST_CASE(an_armed_point_fires_once) {
  fault_points points;
  BOOST_CHECK(!points.fire(fault_point::alignment));
  points.arm(fault_point::alignment);
  BOOST_CHECK(!points.fire(fault_point::restore)); // another point
  BOOST_CHECK(points.fire(fault_point::alignment));
  BOOST_CHECK(!points.fire(fault_point::alignment));
  BOOST_CHECK_EQUAL(points.fired(fault_point::alignment), 1u);
  points.arm(fault_point::pre_commit);
  points.disarm(fault_point::pre_commit);
  BOOST_CHECK(!points.fire(fault_point::pre_commit));
  BOOST_CHECK_EQUAL(points.fired(fault_point::pre_commit), 0u);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace fault_injection_test
