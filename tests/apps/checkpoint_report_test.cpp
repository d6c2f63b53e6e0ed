// The checkpoint progress lines of the apps (apps/jobs/checkpoint_report.hpp) on
// hand-made statistics: formatting, and each checkpoint reported exactly once.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "apps/jobs/checkpoint_report.hpp"

using namespace std::chrono_literals;

namespace checkpoint_report_test {

namespace {

sluice::checkpoint_stats_entry completed(uint64_t id) {
  sluice::checkpoint_stats_entry e;
  e.checkpoint_id = id;
  e.status = sluice::checkpoint_status::completed;
  e.end_to_end_duration = 12ms;
  e.state_size = 4198; // 4.1 KiB
  e.num_subtasks = 6;
  e.num_acknowledged_subtasks = 6;
  e.external_path = "/tmp/x/job/chk-" + std::to_string(id) + "/_metadata";
  return e;
}

sluice::checkpoint_stats_entry failed(uint64_t id) {
  sluice::checkpoint_stats_entry e;
  e.checkpoint_id = id;
  e.status = sluice::checkpoint_status::failed;
  e.end_to_end_duration = 10s;
  e.num_subtasks = 6;
  e.num_acknowledged_subtasks = 2;
  e.failure_reason = sluice::checkpoint_failure_reason::checkpoint_expired;
  return e;
}

sluice::checkpoint_stats_entry in_progress(uint64_t id) {
  sluice::checkpoint_stats_entry e;
  e.checkpoint_id = id;
  e.num_subtasks = 6;
  e.num_acknowledged_subtasks = 1;
  return e;
}

/// A snapshot as the engine gives it: history newest first.
sluice::checkpoint_stats_snapshot snapshot(std::vector<sluice::checkpoint_stats_entry> newest_first) {
  sluice::checkpoint_stats_snapshot s;
  s.history = std::move(newest_first);
  for (auto& e : s.history) {
    if (e.status == sluice::checkpoint_status::completed && !s.latest_completed)
      s.latest_completed = e;
    if (e.status == sluice::checkpoint_status::failed && !s.latest_failed)
      s.latest_failed = e;
  }
  return s;
}

} // namespace

BOOST_AUTO_TEST_SUITE(checkpoint_report)

BOOST_AUTO_TEST_CASE(bytes_use_binary_units_with_one_decimal) {
  using sluice::apps::format_bytes;
  BOOST_CHECK_EQUAL(format_bytes(0), "0 B");
  BOOST_CHECK_EQUAL(format_bytes(1023), "1023 B");
  BOOST_CHECK_EQUAL(format_bytes(1024), "1.0 KiB");
  BOOST_CHECK_EQUAL(format_bytes(4198), "4.1 KiB");
  BOOST_CHECK_EQUAL(format_bytes(1024 * 1024 - 1), "1.0 MiB");
  BOOST_CHECK_EQUAL(format_bytes(12ull * 1024 * 1024), "12.0 MiB");
  BOOST_CHECK_EQUAL(format_bytes(3ull << 29), "1.5 GiB");
}

BOOST_AUTO_TEST_CASE(a_completed_checkpoint_names_duration_sizes_subtasks_and_path) {
  auto e = completed(3);
  BOOST_CHECK_EQUAL(sluice::apps::describe_checkpoint(e),
                    "checkpoint 3 completed in 12 ms, 4.1 KiB state, 0 B in flight, "
                    "6/6 subtasks (/tmp/x/job/chk-3/_metadata)");
  e.unaligned = true;
  e.persisted_data = 2048;
  e.external_path = "memory://job/chk-3";
  BOOST_CHECK_EQUAL(sluice::apps::describe_checkpoint(e),
                    "checkpoint 3 completed in 12 ms, 4.1 KiB state, 2.0 KiB in flight, "
                    "6/6 subtasks, unaligned (memory://job/chk-3)");
  e.is_savepoint = true;
  e.external_path.clear();
  BOOST_CHECK_EQUAL(sluice::apps::describe_checkpoint(e),
                    "savepoint 3 completed in 12 ms, 4.1 KiB state, 2.0 KiB in flight, "
                    "6/6 subtasks, unaligned");
}

BOOST_AUTO_TEST_CASE(a_failed_checkpoint_names_reason_and_message) {
  auto e = failed(4);
  // No message: the reason's description.
  BOOST_CHECK_EQUAL(sluice::apps::describe_checkpoint(e),
                    std::string{"checkpoint 4 failed after 10000 ms: checkpoint_expired: "}
                      + sluice::describe(sluice::checkpoint_failure_reason::checkpoint_expired));
  e.failure_reason = sluice::checkpoint_failure_reason::checkpoint_declined;
  e.failure_message = "vertex 2 subtask 1: disk full";
  BOOST_CHECK_EQUAL(sluice::apps::describe_checkpoint(e),
                    "checkpoint 4 failed after 10000 ms: checkpoint_declined: "
                    "vertex 2 subtask 1: disk full");
  e.failure_reason.reset();
  BOOST_CHECK_EQUAL(sluice::apps::describe_checkpoint(e),
                    "checkpoint 4 failed after 10000 ms: vertex 2 subtask 1: disk full");
}

BOOST_AUTO_TEST_CASE(each_ended_checkpoint_is_reported_once_in_id_order) {
  sluice::apps::checkpoint_reporter r;
  BOOST_CHECK(r.update(snapshot({})).empty());
  // 1 completed, 2 in progress: only 1.
  auto lines = r.update(snapshot({in_progress(2), completed(1)}));
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  BOOST_CHECK(lines[0].starts_with("checkpoint 1 completed"));
  // Same again: nothing new.
  BOOST_CHECK(r.update(snapshot({in_progress(2), completed(1)})).empty());
  // 2 failed, 3 and 4 completed since: oldest first.
  lines = r.update(snapshot({completed(4), completed(3), failed(2), completed(1)}));
  BOOST_REQUIRE_EQUAL(lines.size(), 3u);
  BOOST_CHECK(lines[0].starts_with("checkpoint 2 failed"));
  BOOST_CHECK(lines[1].starts_with("checkpoint 3 completed"));
  BOOST_CHECK(lines[2].starts_with("checkpoint 4 completed"));
  BOOST_CHECK_EQUAL(r.reported_completed(), 3u);
  BOOST_CHECK_EQUAL(r.reported_failed(), 1u);
  // A checkpoint that ends after a newer one (max-concurrent > 1) is still
  // reported.
  lines = r.update(snapshot({completed(6), in_progress(5), completed(4)}));
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  BOOST_CHECK(lines[0].starts_with("checkpoint 6 completed"));
  lines = r.update(snapshot({completed(6), failed(5), completed(4)}));
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  BOOST_CHECK(lines[0].starts_with("checkpoint 5 failed"));
}

BOOST_AUTO_TEST_CASE(the_latest_completed_is_reported_after_it_left_the_history) {
  sluice::apps::checkpoint_reporter r;
  // Ten failures pushed completed 1 out of the 10-entry history.
  std::vector<sluice::checkpoint_stats_entry> history;
  for (uint64_t id = 11; id >= 2; --id)
    history.push_back(failed(id));
  auto s = snapshot(history);
  s.latest_completed = completed(1);
  auto lines = r.update(s);
  BOOST_REQUIRE_EQUAL(lines.size(), 11u);
  BOOST_CHECK(lines.front().starts_with("checkpoint 1 completed"));
  BOOST_CHECK(lines.back().starts_with("checkpoint 11 failed"));
  BOOST_CHECK(r.update(s).empty());
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace checkpoint_report_test
