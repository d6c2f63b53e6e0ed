// The subtask actor's input protocol and failures on CAF's deterministic
// test coordinator: old attempts dropped, sequence gaps and throwing
// operators end the actor with a sluice error naming the culprit; sink and
// source subtasks finish on their own.
#include "tests/actors/subtask_fixture.hpp"

BOOST_AUTO_TEST_SUITE(subtask_protocol_test)

BOOST_FIXTURE_TEST_CASE(message_of_an_old_attempt_is_dropped, deployed_map_filter) {
  env.send_data(sub, 0, 0, readings(1, 4), attempt - 1);
  BOOST_CHECK(log->entries.empty());
  BOOST_CHECK(!down->down);
  // A stale seq number in the old attempt did not consume seq 0.
  env.send_data(sub, 0, 0, readings(5, 8));
  auto data = log->of(probe_log::data);
  BOOST_REQUIRE_EQUAL(data.size(), 1u);
  BOOST_CHECK_EQUAL(data[0].seq, 0u);
  auto got = log->records();
  auto expected = times_ten_of(readings(5, 8));
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(), expected.end());
  // Old-attempt control messages are dropped too (eos would end the task).
  caf::anon_send(sub, eos_msg{attempt - 1, 0, 0});
  caf::anon_send(sub, eos_msg{attempt - 1, 1, 0});
  env.sched.run();
  BOOST_CHECK(!down->down);
  BOOST_CHECK(log->of(probe_log::eos).empty());
}

BOOST_FIXTURE_TEST_CASE(sequence_gap_fails_the_subtask, deployed_map_filter) {
  env.send_data(sub, 1, 0, readings(1, 4));
  env.send_data(sub, 1, 2, readings(5, 8)); // seq 1 lost
  BOOST_REQUIRE(down->down);
  BOOST_CHECK(code_of(down->reason) == ec::subtask_failed);
  auto text = render(down->reason);
  BOOST_TEST_MESSAGE("seq gap: " << text);
  BOOST_CHECK_MESSAGE(text.find("channel 1") != std::string::npos, text);
  BOOST_CHECK_MESSAGE(text.find("map -> filter") != std::string::npos, text);
  // A lost message is not the fault of the chain's head operator; the error
  // should name the subtask, not claim that operator 'map' failed.
  BOOST_CHECK_MESSAGE(text.find("operator 'map") == std::string::npos,
                      "sequence gap blamed on an operator: " << text);
  // Nothing of the message after the gap was passed on.
  BOOST_CHECK_EQUAL(log->records().size(), 4u);
  BOOST_CHECK(log->of(probe_log::eos).empty());
}

BOOST_FIXTURE_TEST_CASE(eos_after_lost_data_fails_the_subtask, deployed_map_filter) {
  env.send_data(sub, 0, 0, readings(1, 4));
  env.send_eos(sub, 1, 0);
  env.send_eos(sub, 0, 2); // the sender sent 2 data messages, we saw 1
  BOOST_REQUIRE(down->down);
  BOOST_CHECK(code_of(down->reason) == ec::subtask_failed);
  BOOST_CHECK(log->of(probe_log::eos).empty()); // no clean end downstream
}

BOOST_AUTO_TEST_CASE(throwing_operator_fails_the_subtask_naming_it) {
  actor_env env;
  auto log = std::make_shared<probe_log>();
  auto down = std::make_shared<down_info>();
  auto plan = make_plan(std::make_shared<collected<reading>>(), "unlucky-map");
  auto rcv = env.spawn_probe(log);
  auto sub = env.spawn_subtask(down);
  env.deploy(sub, plan, 1, 0, rcv);
  env.send_data(sub, 0, 0, readings(1, 4));
  BOOST_CHECK(!down->down);
  env.send_data(sub, 0, 1, readings(12, 14)); // 13 throws
  BOOST_REQUIRE(down->down);
  BOOST_CHECK(code_of(down->reason) == ec::operator_failed);
  auto text = render(down->reason);
  BOOST_TEST_MESSAGE("operator failure: " << text);
  BOOST_CHECK_MESSAGE(text.find("unlucky-map") != std::string::npos, text);
  BOOST_CHECK_MESSAGE(text.find("unlucky record 13") != std::string::npos, text);
  BOOST_CHECK(log->of(probe_log::eos).empty());
}

BOOST_AUTO_TEST_CASE(sink_subtask_collects_and_finishes) {
  actor_env env;
  auto out = std::make_shared<collected<reading>>();
  auto down = std::make_shared<down_info>();
  auto log = std::make_shared<probe_log>();
  auto plan = make_plan(out);
  auto rcv = env.spawn_probe(log); // unused: the sink vertex has no outputs
  auto sub = env.spawn_subtask(down);
  env.deploy(sub, plan, 2, 0, rcv);
  env.send_data(sub, 0, 0, readings(1, 3));
  env.send_data(sub, 0, 1, readings(4, 5));
  env.send_eos(sub, 0, 2);
  BOOST_CHECK(down->down);
  BOOST_CHECK_MESSAGE(!down->reason, render(down->reason));
  auto got = out->values();
  auto expected = readings(1, 5);
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(), expected.end());
  BOOST_CHECK(log->entries.empty());
}

BOOST_AUTO_TEST_CASE(source_subtask_emits_its_share_and_eos) {
  actor_env env;
  auto log = std::make_shared<probe_log>();
  auto down = std::make_shared<down_info>();
  auto plan = make_plan(std::make_shared<collected<reading>>());
  auto rcv = env.spawn_probe(log);
  auto sub = env.spawn_subtask(down);
  env.deploy(sub, plan, 0, 1, rcv); // subtask 1 of 2: elements 1, 3, 5, ...
  env.sched.run();
  BOOST_CHECK(down->down);
  BOOST_CHECK_MESSAGE(!down->reason, render(down->reason));
  auto got = log->records();
  std::vector<reading> expected{{1, 2}, {1, 4}, {1, 6}, {1, 8}, {1, 10}};
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(), expected.end());
  auto eos = log->of(probe_log::eos);
  BOOST_REQUIRE_EQUAL(eos.size(), 1u);
  BOOST_CHECK_EQUAL(eos[0].seq, log->of(probe_log::data).size());
  // Receiver-side channel of sender 1 on a rebalance edge is 1.
  BOOST_CHECK_EQUAL(eos[0].channel, 1u);
  check_protocol(*log, 1);
}

BOOST_AUTO_TEST_SUITE_END()
