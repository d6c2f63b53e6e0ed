// checkpoint_stats: Flink's counts, latest completed/failed/savepoint/
// restored, per-subtask details, summary and the bounded history.
#include "actors/checkpoint/checkpoint_stats.hpp"

#include <boost/test/unit_test.hpp>

namespace checkpoint_stats_test {

namespace {

using namespace sluice;
using namespace std::chrono_literals;

checkpoint_time at(std::chrono::milliseconds ms) {
  return checkpoint_time{} + ms;
}

const subtask_id s00{0, 0};
const subtask_id s10{1, 0};

subtask_ack ack(uint64_t size) {
  subtask_ack a;
  a.state_size = size;
  a.checkpointed_size = size;
  a.persisted_data = 11;
  a.processed_data = 5;
  a.sync_duration = 1ms;
  a.async_duration = 30ms;
  a.alignment_duration = 4ms;
  a.start_delay = 2ms;
  return a;
}

/// Triggers checkpoint `id` at `t` for {s00, s10} and reports it.
pending_checkpoint trigger(checkpoint_stats& stats, uint64_t id, checkpoint_time t,
                           bool savepoint = false) {
  pending_checkpoint p{id, t, 10s, {s00, s10}, {}, savepoint};
  stats.report_pending(p);
  return p;
}

void acknowledge(checkpoint_stats& stats, pending_checkpoint& p, subtask_id s, uint64_t size,
                 checkpoint_time t) {
  auto a = ack(size);
  p.acknowledge(s, a, t);
  stats.report_ack(p, s);
}

} // namespace

BOOST_AUTO_TEST_SUITE(checkpoint_stats_suite)

BOOST_AUTO_TEST_CASE(a_completed_checkpoint) {
  checkpoint_stats stats;
  auto p = trigger(stats, 1, at(1s));
  BOOST_CHECK_EQUAL(stats.counts().total, 1u);
  BOOST_CHECK_EQUAL(stats.counts().in_progress, 1u);
  auto e = stats.find(1);
  BOOST_REQUIRE(e);
  BOOST_CHECK(e->status == checkpoint_status::in_progress);
  BOOST_CHECK_EQUAL(e->num_subtasks, 2u);
  BOOST_CHECK_EQUAL(e->num_acknowledged_subtasks, 0u);

  acknowledge(stats, p, s10, 100, at(1200ms));
  BOOST_CHECK_EQUAL(stats.find(1)->num_acknowledged_subtasks, 1u);
  BOOST_CHECK(stats.find(1)->end_to_end_duration == 200ms);
  acknowledge(stats, p, s00, 50, at(1500ms));
  p.mark_completed(at(1600ms));
  stats.report_completed(p, "/chk/job/chk-1");

  BOOST_CHECK_EQUAL(stats.counts().in_progress, 0u);
  BOOST_CHECK_EQUAL(stats.counts().completed, 1u);
  BOOST_CHECK_EQUAL(stats.counts().failed, 0u);
  BOOST_REQUIRE(stats.latest_completed());
  auto& c = *stats.latest_completed();
  BOOST_CHECK_EQUAL(c.checkpoint_id, 1u);
  BOOST_CHECK(c.status == checkpoint_status::completed);
  BOOST_CHECK(c.trigger_timestamp == at(1s));
  BOOST_CHECK(c.latest_ack_timestamp == at(1500ms));
  BOOST_CHECK(c.end_to_end_duration == 500ms); // Flink: latest ack - trigger
  BOOST_CHECK_EQUAL(c.state_size, 150u);
  BOOST_CHECK_EQUAL(c.persisted_data, 22u);
  BOOST_CHECK_EQUAL(c.num_acknowledged_subtasks, 2u);
  BOOST_CHECK_EQUAL(c.external_path, "/chk/job/chk-1");
  BOOST_REQUIRE_EQUAL(c.subtasks.size(), 2u);
  auto& first = c.subtasks[0]; // ordered: vertex 0 first
  BOOST_CHECK(first.subtask == s00);
  BOOST_CHECK(first.ack_timestamp == at(1500ms));
  BOOST_CHECK(first.end_to_end_duration == 500ms);
  BOOST_CHECK(first.sync_duration == 1ms);
  BOOST_CHECK(first.async_duration == 30ms);
  BOOST_CHECK(first.alignment_duration == 4ms);
  BOOST_CHECK(first.start_delay == 2ms);
  BOOST_CHECK_EQUAL(first.state_size, 50u);
  BOOST_CHECK(c.subtasks[1].end_to_end_duration == 200ms);
  BOOST_CHECK(!stats.latest_failed());
  BOOST_CHECK(!stats.latest_savepoint());
  BOOST_CHECK_EQUAL(stats.summary().state_size.count, 1u);
  BOOST_CHECK_EQUAL(stats.summary().end_to_end_duration.max, 500u);
}

BOOST_AUTO_TEST_CASE(a_failed_checkpoint) {
  checkpoint_stats stats;
  auto p = trigger(stats, 1, at(0ms));
  acknowledge(stats, p, s00, 10, at(1s));
  p.expire_if_due(at(10s));
  stats.report_failed(p);
  BOOST_CHECK_EQUAL(stats.counts().failed, 1u);
  BOOST_CHECK_EQUAL(stats.counts().in_progress, 0u);
  BOOST_REQUIRE(stats.latest_failed());
  auto& f = *stats.latest_failed();
  BOOST_CHECK(f.status == checkpoint_status::failed);
  BOOST_CHECK(f.failure_timestamp == at(10s));
  BOOST_CHECK(f.failure_reason == checkpoint_failure_reason::checkpoint_expired);
  BOOST_CHECK_EQUAL(f.failure_message, "Checkpoint expired before completing.");
  BOOST_CHECK(f.end_to_end_duration == 10s); // failure - trigger
  BOOST_CHECK_EQUAL(f.num_acknowledged_subtasks, 1u);
  BOOST_CHECK_EQUAL(stats.summary().state_size.count, 0u);
}

BOOST_AUTO_TEST_CASE(savepoints_are_latest_savepoint_not_latest_completed) {
  checkpoint_stats stats;
  auto p = trigger(stats, 3, at(0ms), true);
  acknowledge(stats, p, s00, 1, at(1s));
  acknowledge(stats, p, s10, 1, at(1s));
  p.mark_completed(at(1s));
  stats.report_completed(p, "/sp/savepoint-3");
  BOOST_REQUIRE(stats.latest_savepoint());
  BOOST_CHECK(stats.latest_savepoint()->is_savepoint);
  BOOST_CHECK(!stats.latest_completed());
  BOOST_CHECK_EQUAL(stats.counts().completed, 1u);
}

BOOST_AUTO_TEST_CASE(history_keeps_the_newest_n_newest_first) {
  checkpoint_stats stats{10};
  for (uint64_t id = 1; id <= 15; ++id) {
    auto p = trigger(stats, id, at(std::chrono::milliseconds{id * 1000}));
    acknowledge(stats, p, s00, id, at(std::chrono::milliseconds{id * 1000 + 10}));
    acknowledge(stats, p, s10, id, at(std::chrono::milliseconds{id * 1000 + 20}));
    p.mark_completed(at(std::chrono::milliseconds{id * 1000 + 30}));
    stats.report_completed(p, "");
  }
  auto h = stats.history();
  BOOST_REQUIRE_EQUAL(h.size(), 10u);
  BOOST_CHECK_EQUAL(h.front().checkpoint_id, 15u);
  BOOST_CHECK_EQUAL(h.back().checkpoint_id, 6u);
  BOOST_CHECK(stats.find(5) == nullptr);
  BOOST_CHECK_EQUAL(stats.counts().completed, 15u);
  BOOST_CHECK_EQUAL(stats.summary().state_size.count, 15u);
  BOOST_CHECK_EQUAL(stats.summary().state_size.min, 2u);
  BOOST_CHECK_EQUAL(stats.summary().state_size.max, 30u);
  BOOST_CHECK_EQUAL(stats.summary().state_size.avg(), 16u);
}

BOOST_AUTO_TEST_CASE(an_old_checkpoint_in_progress_survives_the_window_until_it_ends) {
  checkpoint_stats stats{2};
  auto slow = trigger(stats, 1, at(0ms));
  for (uint64_t id = 2; id <= 4; ++id) {
    auto p = trigger(stats, id, at(1s));
    p.abort(checkpoint_failure_reason::checkpoint_declined, "x", at(2s));
    stats.report_failed(p);
  }
  BOOST_CHECK(stats.find(1) != nullptr); // still in progress: tracked
  BOOST_CHECK_EQUAL(stats.history().size(), 2u);
  acknowledge(stats, slow, s00, 1, at(3s));
  acknowledge(stats, slow, s10, 1, at(3s));
  slow.mark_completed(at(3s));
  stats.report_completed(slow, "");
  BOOST_CHECK_EQUAL(stats.latest_completed()->checkpoint_id, 1u);
  BOOST_CHECK(stats.find(1) == nullptr); // ended and outside the window
  BOOST_CHECK_EQUAL(stats.counts().completed, 1u);
  BOOST_CHECK_EQUAL(stats.counts().failed, 3u);
  BOOST_CHECK_EQUAL(stats.counts().total, 4u);
}

BOOST_AUTO_TEST_CASE(history_size_zero_keeps_counts_only) {
  checkpoint_stats stats{0};
  auto p = trigger(stats, 1, at(0ms));
  BOOST_CHECK(stats.history().empty());
  p.abort(checkpoint_failure_reason::io_exception, "", at(1s));
  stats.report_failed(p);
  BOOST_CHECK(stats.history().empty());
  BOOST_CHECK_EQUAL(stats.counts().failed, 1u);
  BOOST_CHECK(stats.latest_failed());
}

BOOST_AUTO_TEST_CASE(failed_triggers_restores_and_discards) {
  checkpoint_stats stats;
  stats.report_failed_without_in_progress();
  BOOST_CHECK_EQUAL(stats.counts().total, 1u);
  BOOST_CHECK_EQUAL(stats.counts().failed, 1u);
  BOOST_CHECK(stats.history().empty());

  stats.report_restored(7, at(5s), false, "/chk/job/chk-7");
  BOOST_CHECK_EQUAL(stats.counts().restored, 1u);
  BOOST_REQUIRE(stats.latest_restored());
  BOOST_CHECK_EQUAL(stats.latest_restored()->checkpoint_id, 7u);
  BOOST_CHECK(stats.latest_restored()->restore_timestamp == at(5s));

  auto p = trigger(stats, 8, at(6s));
  acknowledge(stats, p, s00, 1, at(7s));
  acknowledge(stats, p, s10, 1, at(7s));
  p.mark_completed(at(7s));
  stats.report_completed(p, "/chk/job/chk-8");
  stats.report_discarded(8);
  BOOST_CHECK(stats.find(8)->discarded);
  BOOST_CHECK(stats.latest_completed()->discarded);
}

BOOST_AUTO_TEST_CASE(finished_subtasks_count_as_acknowledged) {
  checkpoint_stats stats;
  pending_checkpoint p{1, at(0ms), 10s, {s00, s10}, {s00}};
  stats.report_pending(p);
  BOOST_CHECK_EQUAL(stats.find(1)->num_subtasks, 2u);
  BOOST_CHECK_EQUAL(stats.find(1)->num_acknowledged_subtasks, 1u);
  acknowledge(stats, p, s10, 3, at(1s));
  BOOST_CHECK_EQUAL(stats.find(1)->num_acknowledged_subtasks, 2u);
  BOOST_CHECK_EQUAL(stats.find(1)->subtasks.size(), 1u);
}

BOOST_AUTO_TEST_CASE(reports_for_unknown_or_ended_checkpoints_are_ignored) {
  checkpoint_stats stats;
  pending_checkpoint stray{5, at(0ms), 1s, {s00}};
  stats.report_ack(stray, s00);
  stray.abort(checkpoint_failure_reason::io_exception, "", at(0ms));
  stats.report_failed(stray);
  BOOST_CHECK_EQUAL(stats.counts().failed, 0u);
  auto p = trigger(stats, 6, at(0ms));
  p.abort(checkpoint_failure_reason::io_exception, "", at(0ms));
  stats.report_failed(p);
  stats.report_failed(p); // twice
  BOOST_CHECK_EQUAL(stats.counts().failed, 1u);
}

BOOST_AUTO_TEST_CASE(snapshot_and_time_helpers) {
  checkpoint_stats stats;
  trigger(stats, 1, at(0ms));
  auto snap = stats.snapshot();
  BOOST_CHECK_EQUAL(snap.counts.in_progress, 1u);
  BOOST_CHECK_EQUAL(snap.history.size(), 1u);
  BOOST_CHECK_EQUAL(epoch_millis(at(1500ms), std::chrono::seconds{1'700'000'000}),
                    1'700'000'001'500LL);
  BOOST_CHECK_EQUAL(millis(2500us), 2);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace checkpoint_stats_test
