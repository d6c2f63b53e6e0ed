// The fault-injection spec (`--inject-failures`) and its seeded schedule,
// without an actor system.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <functional>
#include <vector>

#include "actors/fault_injection.hpp"

using namespace sluice;
using namespace std::chrono_literals;

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

BOOST_AUTO_TEST_SUITE_END()
