// pending_checkpoint and pending_checkpoints: completion when every subtask
// acked, duplicate/late/unknown acks ignored and counted, declines, expiry
// exactly at the deadline, FLIP-147 finished subtasks, subsumption.
#include "actors/checkpoint/pending_checkpoint.hpp"
#include "actors/checkpoint/pending_checkpoints.hpp"

#include <boost/test/unit_test.hpp>

#include <stdexcept>

namespace pending_checkpoint_test {

namespace {

using namespace sluice;
using namespace std::chrono_literals;

checkpoint_time at(std::chrono::milliseconds ms) {
  return checkpoint_time{} + ms;
}

const subtask_id s00{0, 0};
const subtask_id s10{1, 0};
const subtask_id s11{1, 1};

subtask_ack ack(uint64_t size, std::vector<std::string> files = {}) {
  subtask_ack a;
  a.state_size = size;
  a.checkpointed_size = size / 2;
  a.persisted_data = 7;
  a.processed_data = 3;
  a.sync_duration = 1ms;
  a.async_duration = 20ms;
  a.alignment_duration = 5ms;
  a.start_delay = 2ms;
  a.files = std::move(files);
  return a;
}

/// Checkpoint 1 triggered at 0, timeout 10s, three subtasks.
pending_checkpoint three(uint64_t id = 1, checkpoint_time t = at(0ms)) {
  return pending_checkpoint{id, t, 10s, {s00, s10, s11}};
}

} // namespace

BOOST_AUTO_TEST_SUITE(pending_checkpoint_suite)

BOOST_AUTO_TEST_CASE(completes_when_every_subtask_acked) {
  auto p = three();
  BOOST_CHECK_EQUAL(p.num_subtasks(), 3u);
  BOOST_CHECK(p.deadline() == at(10s));
  auto a = ack(100, {"shared/a", "chk-1/x"});
  BOOST_CHECK(p.acknowledge(s00, a, at(1s)) == ack_result::accepted);
  auto b = ack(200, {"shared/a"});
  b.unaligned = true;
  BOOST_CHECK(p.acknowledge(s10, b, at(2s)) == ack_result::accepted);
  BOOST_CHECK(!p.is_fully_acknowledged());
  auto c = ack(300);
  BOOST_CHECK(p.acknowledge(s11, c, at(1500ms)) == ack_result::fully_acknowledged);
  BOOST_CHECK(p.is_fully_acknowledged());
  BOOST_CHECK(p.status() == checkpoint_status::in_progress);
  BOOST_CHECK_EQUAL(p.num_acknowledged_subtasks(), 3u);
  BOOST_CHECK_EQUAL(p.state_size(), 600u);
  BOOST_CHECK_EQUAL(p.checkpointed_size(), 300u);
  BOOST_CHECK_EQUAL(p.persisted_data(), 21u);
  BOOST_CHECK_EQUAL(p.processed_data(), 9u);
  BOOST_CHECK(p.unaligned());
  BOOST_CHECK(p.latest_ack_time() == at(2s));
  BOOST_CHECK(p.ack_time(s11) == at(1500ms));
  BOOST_CHECK((p.files() == std::vector<std::string>{"chk-1/x", "shared/a"}));
  BOOST_CHECK_EQUAL(p.acks().size(), 3u);
  p.mark_completed(at(2100ms));
  BOOST_CHECK(p.status() == checkpoint_status::completed);
  BOOST_CHECK(p.is_disposed());
  BOOST_CHECK(p.end_time() == at(2100ms));
  BOOST_CHECK(!p.failure_reason());
}

// What used to live in maps beside the pending checkpoint (its wall-clock
// trigger time, which subtasks acked after their input ended, the state
// handles of each ack) travels with it and goes when it goes.
BOOST_AUTO_TEST_CASE(carries_its_trigger_timestamp_final_acks_and_state_handles) {
  pending_checkpoint p{4, at(0ms), 10s, {s00, s10}, {}, false, 1'700'000'000'123};
  BOOST_CHECK_EQUAL(p.trigger_timestamp(), 1'700'000'000'123);
  auto a = ack(10);
  a.input_ended = true;
  a.states.push_back(operator_state_ref{"counts", 2, 128, {}});
  BOOST_CHECK(p.acknowledge(s00, a, at(1ms)) == ack_result::accepted);
  BOOST_CHECK_EQUAL(p.acks_after_input_end(), 1u);
  auto b = ack(20);
  BOOST_CHECK(p.acknowledge(s10, b, at(2ms)) == ack_result::fully_acknowledged);
  BOOST_CHECK_EQUAL(p.acks_after_input_end(), 1u); // s10 was still running
  BOOST_REQUIRE_EQUAL(p.acks().at(s00).states.size(), 1u);
  BOOST_CHECK_EQUAL(p.acks().at(s00).states[0].uid, "counts");
  BOOST_CHECK_EQUAL(p.acks().at(s00).states[0].max_parallelism, 128u);
  BOOST_CHECK(p.acks().at(s10).states.empty());
}

BOOST_AUTO_TEST_CASE(duplicate_and_unknown_acks_are_ignored_and_counted) {
  auto p = three();
  auto a = ack(100);
  BOOST_CHECK(p.acknowledge(s00, a, at(1s)) == ack_result::accepted);
  auto again = ack(100);
  BOOST_CHECK(p.acknowledge(s00, again, at(2s)) == ack_result::duplicate);
  auto stranger = ack(1);
  BOOST_CHECK(p.acknowledge(subtask_id{9, 9}, stranger, at(2s)) == ack_result::unknown_subtask);
  BOOST_CHECK_EQUAL(p.ignored_acks(), 2u);
  BOOST_CHECK_EQUAL(p.state_size(), 100u);
  BOOST_CHECK(p.latest_ack_time() == at(1s));
  BOOST_CHECK_EQUAL(p.num_acknowledged_subtasks(), 1u);
}

BOOST_AUTO_TEST_CASE(acks_after_disposal_are_late) {
  auto p = three();
  p.abort(checkpoint_failure_reason::io_exception, "disk full", at(1s));
  auto a = ack(100);
  BOOST_CHECK(p.acknowledge(s00, a, at(2s)) == ack_result::late);
  BOOST_CHECK_EQUAL(a.state_size, 100u); // left untouched for the caller
  BOOST_CHECK_EQUAL(p.ignored_acks(), 1u);
  BOOST_CHECK(!p.abort(checkpoint_failure_reason::checkpoint_expired, "", at(3s)));
  BOOST_CHECK(p.failure_reason() == checkpoint_failure_reason::io_exception);
}

BOOST_AUTO_TEST_CASE(expires_exactly_at_the_timeout) {
  auto p = three();
  BOOST_CHECK(!p.is_due_to_expire(at(10s) - 1ns));
  BOOST_CHECK(!p.expire_if_due(at(10s) - 1ns));
  BOOST_CHECK(p.is_due_to_expire(at(10s)));
  BOOST_CHECK(p.expire_if_due(at(10s)));
  BOOST_CHECK(p.status() == checkpoint_status::failed);
  BOOST_CHECK(p.failure_reason() == checkpoint_failure_reason::checkpoint_expired);
  BOOST_CHECK_EQUAL(p.failure_message(), "Checkpoint expired before completing.");
  BOOST_CHECK(p.end_time() == at(10s));
}

BOOST_AUTO_TEST_CASE(an_ack_just_before_the_deadline_counts_one_at_it_expires) {
  auto p = pending_checkpoint{1, at(0ms), 10s, {s00, s10}};
  auto a = ack(1);
  BOOST_CHECK(p.acknowledge(s00, a, at(10s) - 1ns) == ack_result::accepted);
  auto b = ack(2);
  BOOST_CHECK(p.acknowledge(s10, b, at(10s)) == ack_result::expired);
  BOOST_CHECK(p.failure_reason() == checkpoint_failure_reason::checkpoint_expired);
  BOOST_CHECK_EQUAL(p.state_size(), 1u);
  BOOST_CHECK_EQUAL(b.state_size, 2u);

  auto q = pending_checkpoint{2, at(0ms), 10s, {s00}};
  auto c = ack(1);
  BOOST_CHECK(q.acknowledge(s00, c, at(10s) - 1ns) == ack_result::fully_acknowledged);
}

BOOST_AUTO_TEST_CASE(fully_acknowledged_checkpoints_no_longer_expire) {
  auto p = pending_checkpoint{1, at(0ms), 10s, {s00}};
  auto a = ack(1);
  BOOST_CHECK(p.acknowledge(s00, a, at(9s)) == ack_result::fully_acknowledged);
  BOOST_CHECK(!p.is_due_to_expire(at(60s)));
  BOOST_CHECK(!p.expire_if_due(at(60s)));
  // Finalization failed instead:
  BOOST_CHECK(p.abort(checkpoint_failure_reason::finalize_checkpoint_failure, "rename failed",
                      at(61s)));
  BOOST_CHECK(p.status() == checkpoint_status::failed);
}

BOOST_AUTO_TEST_CASE(a_decline_aborts_and_names_the_subtask) {
  auto p = three(3);
  BOOST_CHECK(p.decline(s10, checkpoint_failure_reason::checkpoint_async_exception,
                        "upload failed", at(2s)));
  BOOST_CHECK(p.status() == checkpoint_status::failed);
  BOOST_CHECK(p.failure_reason() == checkpoint_failure_reason::checkpoint_async_exception);
  BOOST_CHECK_EQUAL(p.failure_message(), "checkpoint 3 declined by vertex 1 subtask 0: upload failed");
  BOOST_CHECK(p.declined_by() == s10);
  BOOST_CHECK(!p.decline(s00, checkpoint_failure_reason::checkpoint_declined, "", at(3s)));
  BOOST_CHECK(p.declined_by() == s10);
}

BOOST_AUTO_TEST_CASE(finished_subtasks_are_not_waited_for) {
  // FLIP-147: vertex 0 (a bounded source) ended before the trigger.
  pending_checkpoint p{1, at(0ms), 10s, {s00, s10, s11}, {s00}};
  BOOST_CHECK_EQUAL(p.num_subtasks(), 3u);
  BOOST_CHECK_EQUAL(p.num_acknowledged_subtasks(), 1u);
  BOOST_CHECK_EQUAL(p.not_yet_acknowledged().size(), 2u);
  auto a = ack(1);
  BOOST_CHECK(p.acknowledge(s00, a, at(1s)) == ack_result::unknown_subtask);
  auto b = ack(1);
  BOOST_CHECK(p.acknowledge(s10, b, at(1s)) == ack_result::accepted);
  // s11 finishes while the checkpoint is pending: nothing left to wait for.
  BOOST_CHECK(p.subtask_finished(s11));
  BOOST_CHECK(p.is_fully_acknowledged());
  BOOST_CHECK_EQUAL(p.num_acknowledged_subtasks(), 3u);
  BOOST_CHECK_EQUAL(p.finished_subtasks().size(), 2u);
}

BOOST_AUTO_TEST_CASE(a_subtask_that_acked_then_finished_keeps_its_ack) {
  auto p = three();
  auto a = ack(5);
  p.acknowledge(s00, a, at(1s));
  BOOST_CHECK(!p.subtask_finished(s00));
  BOOST_CHECK_EQUAL(p.acks().count(s00), 1u);
  BOOST_CHECK_EQUAL(p.num_acknowledged_subtasks(), 1u);
  BOOST_CHECK(!p.subtask_finished(subtask_id{7, 7}));
}

BOOST_AUTO_TEST_CASE(a_checkpoint_of_nothing_is_refused) {
  BOOST_CHECK_THROW((pending_checkpoint{1, at(0ms), 1s, {}}), sluice::exception);
  BOOST_CHECK_NO_THROW((pending_checkpoint{1, at(0ms), 1s, {}, {s00}}));
}

BOOST_AUTO_TEST_CASE(completing_an_incomplete_checkpoint_is_a_programmer_error) {
  auto p = three();
  BOOST_CHECK_THROW(p.mark_completed(at(1s)), std::logic_error);
  p.abort(checkpoint_failure_reason::job_failover, "", at(1s));
  BOOST_CHECK_THROW(p.mark_completed(at(2s)), std::logic_error);
}

// --- pending_checkpoints ------------------------------------------------------

BOOST_AUTO_TEST_CASE(container_routes_acks_and_hands_back_ended_checkpoints) {
  pending_checkpoints ps;
  ps.add(three(1));
  ps.add(three(2, at(1s)));
  BOOST_CHECK_EQUAL(ps.size(), 2u);
  BOOST_CHECK(ps.acknowledge(1, s00, ack(1), at(2s)).result == ack_result::accepted);
  BOOST_CHECK(ps.acknowledge(1, s10, ack(1), at(2s)).result == ack_result::accepted);
  BOOST_CHECK(ps.acknowledge(1, s11, ack(1), at(2s)).result == ack_result::fully_acknowledged);
  auto done = ps.complete(1, at(3s));
  BOOST_CHECK(done.status() == checkpoint_status::completed);
  BOOST_CHECK_EQUAL(ps.size(), 1u);
  BOOST_CHECK(ps.find(1) == nullptr);
  // A straggler for 1 is late and handed back; an id never seen is unknown.
  auto late = ps.acknowledge(1, s00, ack(9, {"chk-1/dup"}), at(4s));
  BOOST_CHECK(late.result == ack_result::late);
  BOOST_REQUIRE(late.refused);
  BOOST_CHECK_EQUAL(late.refused->files.front(), "chk-1/dup");
  auto unknown = ps.acknowledge(99, s00, ack(9), at(4s));
  BOOST_CHECK(unknown.result == ack_result::unknown_checkpoint);
  BOOST_CHECK(unknown.refused);
  auto dup = ps.acknowledge(2, s00, ack(1), at(4s));
  BOOST_CHECK(dup.result == ack_result::accepted);
  dup = ps.acknowledge(2, s00, ack(1), at(4s));
  BOOST_CHECK(dup.result == ack_result::duplicate);
  BOOST_CHECK(!dup.refused);
  auto stranger = ps.acknowledge(2, subtask_id{5, 5}, ack(1), at(4s));
  BOOST_CHECK(stranger.result == ack_result::unknown_subtask);
  BOOST_CHECK_EQUAL(ps.late_acks(), 1u);
  BOOST_CHECK_EQUAL(ps.unknown_acks(), 1u);
  BOOST_CHECK_EQUAL(ps.duplicate_acks(), 1u);
  BOOST_CHECK_EQUAL(ps.unknown_subtask_acks(), 1u);
}

BOOST_AUTO_TEST_CASE(container_forgets_old_ids_after_remembered_many) {
  pending_checkpoints ps{2};
  for (uint64_t id = 1; id <= 3; ++id) {
    ps.add(three(id));
    ps.abort(id, checkpoint_failure_reason::job_failover, "", at(1s));
  }
  BOOST_CHECK(!ps.recently_ended(1));
  BOOST_CHECK(ps.recently_ended(2));
  BOOST_CHECK(ps.acknowledge(1, s00, ack(1), at(2s)).result == ack_result::unknown_checkpoint);
  BOOST_CHECK(ps.acknowledge(3, s00, ack(1), at(2s)).result == ack_result::late);
}

BOOST_AUTO_TEST_CASE(container_ack_at_the_deadline_expires_and_hands_it_back) {
  pending_checkpoints ps;
  ps.add(three(1));
  auto out = ps.acknowledge(1, s00, ack(1), at(10s));
  BOOST_CHECK(out.result == ack_result::expired);
  BOOST_REQUIRE(out.expired);
  BOOST_CHECK(out.expired->failure_reason() == checkpoint_failure_reason::checkpoint_expired);
  BOOST_CHECK(out.refused);
  BOOST_CHECK(ps.empty());
}

BOOST_AUTO_TEST_CASE(container_expires_due_checkpoints_and_reports_the_next_deadline) {
  pending_checkpoints ps;
  ps.add(pending_checkpoint{1, at(0ms), 10s, {s00, s10}});
  ps.add(pending_checkpoint{2, at(3s), 10s, {s00, s10}});
  ps.add(pending_checkpoint{3, at(4s), 1s, {s00}});
  // 3 is fully acknowledged (being finalized): it does not expire.
  BOOST_CHECK(ps.acknowledge(3, s00, ack(1), at(4500ms)).result
              == ack_result::fully_acknowledged);
  BOOST_CHECK(ps.next_deadline() == at(10s));
  BOOST_CHECK(ps.expire_due(at(10s) - 1ns).empty());
  auto expired = ps.expire_due(at(13s));
  BOOST_REQUIRE_EQUAL(expired.size(), 2u);
  BOOST_CHECK_EQUAL(expired[0].id(), 1u);
  BOOST_CHECK_EQUAL(expired[1].id(), 2u);
  BOOST_CHECK_EQUAL(ps.size(), 1u);
  BOOST_CHECK(!ps.next_deadline());
}

BOOST_AUTO_TEST_CASE(container_declines) {
  pending_checkpoints ps;
  ps.add(three(4));
  auto aborted = ps.decline(4, s11, checkpoint_failure_reason::checkpoint_declined_task_not_ready,
                            "restoring", at(1s));
  BOOST_REQUIRE(aborted);
  BOOST_CHECK(aborted->failure_reason()
              == checkpoint_failure_reason::checkpoint_declined_task_not_ready);
  BOOST_CHECK(ps.empty());
  BOOST_CHECK(!ps.decline(4, s00, checkpoint_failure_reason::checkpoint_declined, "", at(2s)));
  BOOST_CHECK(!ps.decline(5, s00, checkpoint_failure_reason::checkpoint_declined, "", at(2s)));
  BOOST_CHECK_EQUAL(ps.ignored_declines(), 2u);
}

BOOST_AUTO_TEST_CASE(container_finished_subtask_completes_waiting_checkpoints) {
  pending_checkpoints ps;
  ps.add(pending_checkpoint{1, at(0ms), 10s, {s00, s10}});
  ps.add(pending_checkpoint{2, at(1s), 10s, {s00, s10}});
  ps.acknowledge(1, s00, ack(1), at(1s));
  auto ready = ps.subtask_finished(s10);
  BOOST_REQUIRE_EQUAL(ready.size(), 1u);
  BOOST_CHECK_EQUAL(ready[0], 1u);
  BOOST_CHECK(ps.find(2)->not_yet_acknowledged().count(s00) == 1);
  BOOST_CHECK_NO_THROW(ps.complete(1, at(2s)));
}

BOOST_AUTO_TEST_CASE(container_completion_subsumes_older_checkpoints_but_not_savepoints) {
  pending_checkpoints ps;
  ps.add(three(1));
  ps.add(pending_checkpoint{2, at(0ms), 10s, {s00}, {}, /*savepoint*/ true});
  ps.add(three(3));
  ps.add(pending_checkpoint{4, at(0ms), 10s, {s00}});
  ps.add(three(5));
  ps.acknowledge(4, s00, ack(1), at(1s));
  ps.complete(4, at(1s));
  auto subsumed = ps.abort_subsumed(4, at(1s));
  BOOST_REQUIRE_EQUAL(subsumed.size(), 2u);
  BOOST_CHECK_EQUAL(subsumed[0].id(), 1u);
  BOOST_CHECK_EQUAL(subsumed[1].id(), 3u);
  BOOST_CHECK(subsumed[0].failure_reason() == checkpoint_failure_reason::checkpoint_subsumed);
  BOOST_CHECK(ps.find(2) != nullptr); // savepoint stays
  BOOST_CHECK(ps.find(5) != nullptr); // newer stays
}

BOOST_AUTO_TEST_CASE(container_abort_all_and_preconditions) {
  pending_checkpoints ps;
  ps.add(three(1));
  BOOST_CHECK_THROW(ps.add(three(1)), std::logic_error);
  BOOST_CHECK_THROW(ps.complete(1, at(1s)), std::logic_error); // not fully acknowledged
  BOOST_CHECK_THROW(ps.complete(7, at(1s)), std::logic_error); // unknown
  ps.add(three(2));
  auto all = ps.abort_all(checkpoint_failure_reason::job_failover, "restarting", at(2s));
  BOOST_REQUIRE_EQUAL(all.size(), 2u);
  BOOST_CHECK(all[1].failure_reason() == checkpoint_failure_reason::job_failover);
  BOOST_CHECK_EQUAL(all[1].failure_message(), "restarting");
  BOOST_CHECK(ps.empty());
  BOOST_CHECK(!ps.abort(1, checkpoint_failure_reason::job_failover, "", at(3s)));
  auto aborted = pending_checkpoint{9, at(0ms), 1s, {s00}};
  aborted.abort(checkpoint_failure_reason::io_exception, "", at(0ms));
  BOOST_CHECK_THROW(ps.add(std::move(aborted)), std::logic_error);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace pending_checkpoint_test
