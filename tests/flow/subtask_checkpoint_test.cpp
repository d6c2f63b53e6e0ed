// The subtask's side of the checkpoint protocol on CAF's deterministic test
// coordinator: a source takes checkpoint n on a trigger (barrier n after the
// data it emitted before), every subtask acks to the coordinator after its
// snapshot, declines what it cannot take, and abandoned alignments are
// declined.
#include "../actors/subtask_fixture.hpp"

namespace {

/// A probe downstream and a coordinator stand-in that records acks.
struct checkpoint_fixture {
  actor_env env;
  probe_log_ptr log = std::make_shared<probe_log>();
  coordinator_log_ptr clog = std::make_shared<coordinator_log>();
  down_info_ptr down = std::make_shared<down_info>();
  std::shared_ptr<const execution_plan> plan = make_plan(std::make_shared<collected<reading>>());
  subtask_actor rcv = env.spawn_probe(log);
  caf::actor coordinator = env.spawn_coordinator(clog);

  /// Deploys a new subtask as subtask 0 of `vertex`.
  subtask_actor deploy(uint32_t vertex) {
    auto sub = env.spawn_subtask(down);
    env.deploy(sub, plan, vertex, 0, rcv, attempt, {}, barrier_handling::aligned, coordinator);
    return sub;
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(subtask_checkpoint_suite)

BOOST_FIXTURE_TEST_CASE(source_puts_the_barrier_behind_what_it_emitted_and_acks,
                        checkpoint_fixture) {
  env.run_after_deploy = false;
  auto src = deploy(0);
  env.sched.run_once(); // deploy: the source schedules its first step
  caf::anon_send(src, trigger_msg{attempt, 1, 12345});
  env.sched.run(); // one step, the trigger, the remaining steps
  auto barriers = log->of(probe_log::barrier);
  BOOST_REQUIRE_EQUAL(barriers.size(), 1u);
  BOOST_CHECK_EQUAL(barriers[0].seq, 1u); // exactly one data message before it
  check_protocol(*log, 0);
  BOOST_CHECK_EQUAL(log->of(probe_log::eos).size(), 1u);
  BOOST_REQUIRE_EQUAL(clog->acks.size(), 1u);
  auto& ack = clog->acks[0];
  BOOST_CHECK_EQUAL(ack.checkpoint_id, 1u);
  BOOST_CHECK_EQUAL(ack.attempt, attempt);
  BOOST_CHECK_EQUAL(ack.vertex, 0u);
  BOOST_CHECK_EQUAL(ack.subtask_index, 0u);
  BOOST_CHECK_EQUAL(ack.alignment_ns, 0);
  BOOST_CHECK_GE(ack.sync_ns, 0);
  BOOST_CHECK(clog->declines.empty());
}

BOOST_FIXTURE_TEST_CASE(aligned_subtask_acks_once_every_input_delivered_the_barrier,
                        checkpoint_fixture) {
  auto sub = deploy(1);
  caf::anon_send(sub, barrier_msg{attempt, 0, 0, 4, 1000});
  env.sched.run();
  BOOST_CHECK(clog->acks.empty());
  caf::anon_send(sub, barrier_msg{attempt, 1, 0, 4, 1000});
  env.sched.run();
  BOOST_REQUIRE_EQUAL(clog->acks.size(), 1u);
  BOOST_CHECK_EQUAL(clog->acks[0].checkpoint_id, 4u);
  BOOST_CHECK_EQUAL(clog->acks[0].vertex, 1u);
  BOOST_CHECK_GE(clog->acks[0].alignment_ns, 0);
  BOOST_CHECK_GT(clog->acks[0].start_delay_ns, 0); // triggered "at" 1000 ms after the epoch
}

BOOST_FIXTURE_TEST_CASE(abandoned_alignment_and_a_trigger_at_a_non_source_are_declined,
                        checkpoint_fixture) {
  auto sub = deploy(1);
  env.send_barrier(sub, 0, 0, 1);
  env.send_barrier(sub, 1, 0, 2);
  BOOST_REQUIRE_EQUAL(clog->declines.size(), 1u);
  BOOST_CHECK_EQUAL(clog->declines[0].checkpoint_id, 1u);
  BOOST_CHECK_NE(clog->declines[0].reason.find("abandoned for checkpoint 2"), std::string::npos);
  caf::anon_send(sub, trigger_msg{attempt, 3, 0});
  env.sched.run();
  BOOST_REQUIRE_EQUAL(clog->declines.size(), 2u);
  BOOST_CHECK_EQUAL(clog->declines[1].checkpoint_id, 3u);
  BOOST_CHECK_NE(clog->declines[1].reason.find("not a source"), std::string::npos);
  BOOST_CHECK(!down->down);
}

BOOST_AUTO_TEST_SUITE_END()
