// checkpoint_failure_manager: Flink's CheckpointFailureManager semantics for
// `checkpointing.tolerable-failures` (0 and n, what counts, resets).
#include "actors/checkpoint/failure_manager.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

#include "actors/checkpoint/checkpoint_config.hpp"

namespace failure_manager_test {

namespace {

using namespace sluice;
using reason = checkpoint_failure_reason;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

} // namespace

BOOST_AUTO_TEST_SUITE(failure_manager_suite)

BOOST_AUTO_TEST_CASE(zero_tolerance_fails_on_the_first_counted_failure) {
  checkpoint_failure_manager fm{0};
  auto verdict = fm.on_failure(1, reason::checkpoint_expired);
  BOOST_REQUIRE(verdict);
  BOOST_CHECK(contains(*verdict, "Exceeded checkpoint tolerable failure threshold."));
  BOOST_CHECK(contains(*verdict, "Checkpoint expired before completing."));
  BOOST_CHECK(contains(*verdict, "checkpointing.tolerable-failures = 0"));
  // The count is cleared when the threshold fires (as in Flink).
  BOOST_CHECK_EQUAL(fm.continuous_failures(), 0);
}

BOOST_AUTO_TEST_CASE(n_tolerated_then_the_next_fails_the_job) {
  checkpoint_failure_manager fm{3};
  BOOST_CHECK(!fm.on_failure(1, reason::checkpoint_expired));
  BOOST_CHECK(!fm.on_failure(2, reason::checkpoint_declined));
  BOOST_CHECK(!fm.on_failure(3, reason::io_exception));
  BOOST_CHECK_EQUAL(fm.continuous_failures(), 3);
  auto verdict = fm.on_failure(4, reason::finalize_checkpoint_failure);
  BOOST_REQUIRE(verdict);
  BOOST_CHECK(contains(*verdict, "Failure to finalize checkpoint."));
  BOOST_CHECK(contains(*verdict, "4 consecutive checkpoints failed"));
}

BOOST_AUTO_TEST_CASE(success_resets_the_count) {
  checkpoint_failure_manager fm{1};
  BOOST_CHECK(!fm.on_failure(1, reason::checkpoint_expired));
  fm.on_success(2);
  BOOST_CHECK_EQUAL(fm.continuous_failures(), 0);
  BOOST_CHECK_EQUAL(fm.last_succeeded_checkpoint(), 2u);
  BOOST_CHECK(!fm.on_failure(3, reason::checkpoint_expired));
  BOOST_CHECK(fm.on_failure(4, reason::checkpoint_async_exception));
}

BOOST_AUTO_TEST_CASE(scheduling_and_deployment_failures_do_not_count) {
  checkpoint_failure_manager fm{0};
  for (auto r : {reason::not_all_required_tasks_running, reason::periodic_scheduler_shutdown,
                 reason::too_many_concurrent_checkpoints,
                 reason::minimum_time_between_checkpoints,
                 reason::checkpoint_declined_task_not_ready,
                 reason::checkpoint_declined_task_closing,
                 reason::checkpoint_declined_input_end_of_stream,
                 reason::checkpoint_declined_subsumed, reason::checkpoint_subsumed,
                 reason::task_failure, reason::job_failover,
                 reason::checkpoint_coordinator_shutdown}) {
    for (int i = 0; i < 5; ++i) {
      BOOST_CHECK_MESSAGE(!fm.on_failure(std::nullopt, r), to_string(r));
      BOOST_CHECK_MESSAGE(!fm.on_failure(100 + i, r), to_string(r));
    }
    BOOST_CHECK(!counts_as_failure(r));
  }
  BOOST_CHECK_EQUAL(fm.continuous_failures(), 0);
}

BOOST_AUTO_TEST_CASE(counted_reasons) {
  for (auto r : {reason::io_exception, reason::checkpoint_declined,
                 reason::checkpoint_async_exception, reason::checkpoint_expired,
                 reason::finalize_checkpoint_failure})
    BOOST_CHECK_MESSAGE(counts_as_failure(r), to_string(r));
}

BOOST_AUTO_TEST_CASE(savepoint_failures_never_count) {
  checkpoint_failure_manager fm{0};
  BOOST_CHECK(!fm.on_failure(1, reason::checkpoint_expired, /*savepoint*/ true));
  BOOST_CHECK(!fm.on_failure(2, reason::io_exception, true));
  BOOST_CHECK_EQUAL(fm.continuous_failures(), 0);
}

BOOST_AUTO_TEST_CASE(one_checkpoint_counts_once) {
  checkpoint_failure_manager fm{1};
  BOOST_CHECK(!fm.on_failure(7, reason::checkpoint_declined));
  BOOST_CHECK(!fm.on_failure(7, reason::checkpoint_expired)); // same id again
  BOOST_CHECK_EQUAL(fm.continuous_failures(), 1);
  BOOST_CHECK(fm.on_failure(8, reason::checkpoint_expired));
}

BOOST_AUTO_TEST_CASE(failures_of_checkpoints_older_than_the_last_success_do_not_count) {
  checkpoint_failure_manager fm{0};
  fm.on_success(10);
  BOOST_CHECK(!fm.on_failure(9, reason::checkpoint_expired));
  BOOST_CHECK(!fm.on_failure(10, reason::checkpoint_expired));
  BOOST_CHECK(fm.on_failure(11, reason::checkpoint_expired));
}

BOOST_AUTO_TEST_CASE(an_older_success_does_not_reset) {
  checkpoint_failure_manager fm{2};
  fm.on_success(5);
  BOOST_CHECK(!fm.on_failure(6, reason::checkpoint_expired));
  BOOST_CHECK(!fm.on_failure(7, reason::checkpoint_expired));
  fm.on_success(4); // completed late, older than the last success
  BOOST_CHECK_EQUAL(fm.continuous_failures(), 2);
  BOOST_CHECK_EQUAL(fm.last_succeeded_checkpoint(), 5u);
  BOOST_CHECK(fm.on_failure(8, reason::checkpoint_expired));
}

BOOST_AUTO_TEST_CASE(trigger_failures_without_id_count_each_time) {
  checkpoint_failure_manager fm{2};
  BOOST_CHECK(!fm.on_failure(std::nullopt, reason::io_exception));
  BOOST_CHECK(!fm.on_failure(std::nullopt, reason::io_exception));
  BOOST_CHECK(fm.on_failure(std::nullopt, reason::io_exception));
}

BOOST_AUTO_TEST_CASE(unlimited_never_fails) {
  checkpoint_failure_manager fm{checkpoint_config::unlimited_tolerable_failures};
  for (uint64_t id = 1; id < 1000; ++id)
    BOOST_REQUIRE(!fm.on_failure(id, reason::checkpoint_expired));
}

BOOST_AUTO_TEST_CASE(reason_names_and_descriptions) {
  BOOST_CHECK_EQUAL(to_string(reason::checkpoint_expired), "checkpoint_expired");
  BOOST_CHECK_EQUAL(to_string(reason::not_all_required_tasks_running),
                    "not_all_required_tasks_running");
  BOOST_CHECK_EQUAL(describe(reason::not_all_required_tasks_running),
                    "Not all required tasks are currently running.");
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace failure_manager_test
