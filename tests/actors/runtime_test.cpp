// The own actor system of `runtime::start`: `pipeline.threads` workers,
// 0 meaning one per core (CAF 0.17 alone would start max(4, cores)).
#include "actors/job/runtime.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

namespace runtime_test {

BOOST_AUTO_TEST_SUITE(runtime_suite)

BOOST_AUTO_TEST_CASE(threads_zero_means_one_worker_per_core) {
  auto cfg = sluice::default_pipeline_config();
  cfg.threads = 0;
  auto rt = sluice::runtime::start(cfg);
  auto cores = std::max(1u, std::thread::hardware_concurrency());
  BOOST_CHECK_EQUAL(rt->system().scheduler().num_workers(), cores);
}

BOOST_AUTO_TEST_CASE(threads_sets_the_number_of_workers) {
  auto cfg = sluice::default_pipeline_config();
  cfg.threads = 3;
  auto rt = sluice::runtime::start(cfg);
  BOOST_CHECK_EQUAL(rt->system().scheduler().num_workers(), 3u);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace runtime_test
