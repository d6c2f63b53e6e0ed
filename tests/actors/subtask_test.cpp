// The subtask actor on CAF's deterministic test coordinator: deployed by
// hand from a small execution plan, fed data / watermark / end-of-stream
// messages directly, its output received by a probe actor that implements
// the real `subtask_actor` interface. Checks the channel protocol (sequence
// numbers, attempt ids), watermark combination, end of input, and failures
// (the failure cases are in subtask_protocol_test.cpp).
#include "tests/actors/subtask_fixture.hpp"

BOOST_AUTO_TEST_SUITE(subtask_test)

BOOST_AUTO_TEST_CASE(plan_under_test_has_the_expected_shape) {
  auto plan = make_plan(std::make_shared<collected<reading>>());
  BOOST_REQUIRE_EQUAL(plan->vertices.size(), 3u);
  BOOST_CHECK_EQUAL(plan->vertices[1].name, "map -> filter");
  BOOST_CHECK_EQUAL(plan->num_input_channels(1, 0), 2u);
  BOOST_CHECK_EQUAL(plan->num_input_channels(2, 0), 1u);
  BOOST_REQUIRE_EQUAL(plan->outgoing(1).size(), 1u);
}

BOOST_FIXTURE_TEST_CASE(data_messages_carry_increasing_seq_and_attempt, deployed_map_filter) {
  // Full batches (batch size 4) leave right away, one data message each.
  env.send_data(sub, 0, 0, readings(1, 4));
  env.send_data(sub, 1, 0, readings(5, 8));
  env.send_data(sub, 0, 1, readings(9, 12));
  auto data = log->of(probe_log::data);
  BOOST_REQUIRE_EQUAL(data.size(), 3u);
  for (uint64_t i = 0; i < data.size(); ++i) {
    BOOST_CHECK_EQUAL(data[i].seq, i);
    BOOST_CHECK_EQUAL(data[i].attempt, attempt);
    BOOST_CHECK_EQUAL(data[i].channel, 0u);
  }
  auto got = log->records();
  auto expected = times_ten_of(readings(1, 12));
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(), expected.end());
  BOOST_CHECK(!down->down);
  check_protocol(*log, 0);
}

BOOST_FIXTURE_TEST_CASE(end_of_stream_flushes_sends_eos_and_terminates_normally, deployed_map_filter) {
  env.send_data(sub, 0, 0, readings(1, 6)); // one full batch, 2 records held
  env.send_data(sub, 1, 0, readings(7, 7)); // held
  BOOST_CHECK_EQUAL(log->of(probe_log::data).size(), 1u);
  env.send_eos(sub, 0, 1);
  BOOST_CHECK(!down->down); // channel 1 still open
  BOOST_CHECK(log->of(probe_log::eos).empty());
  env.send_eos(sub, 1, 1);
  BOOST_CHECK(down->down);
  BOOST_CHECK_MESSAGE(!down->reason, "subtask ended with " << render(down->reason));
  auto data = log->of(probe_log::data);
  auto eos = log->of(probe_log::eos);
  BOOST_CHECK_EQUAL(data.size(), 2u);
  BOOST_REQUIRE_EQUAL(eos.size(), 1u);
  BOOST_CHECK_EQUAL(eos[0].seq, data.size());
  BOOST_CHECK_EQUAL(eos[0].attempt, attempt);
  // eos is the last message
  BOOST_CHECK(log->entries.back().kind == probe_log::eos);
  auto got = log->records();
  auto expected = times_ten_of(readings(1, 7));
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(), expected.end());
  check_protocol(*log, 0);
}

BOOST_FIXTURE_TEST_CASE(buffer_timeout_flushes_a_partial_batch, deployed_map_filter) {
  env.send_data(sub, 0, 0, readings(1, 2));
  BOOST_CHECK(log->of(probe_log::data).empty());
  env.sched.advance_time(100ms);
  env.sched.run();
  auto data = log->of(probe_log::data);
  BOOST_REQUIRE_EQUAL(data.size(), 1u);
  BOOST_CHECK_EQUAL(data[0].records.size(), 2u);
  BOOST_CHECK_EQUAL(data[0].seq, 0u);
  BOOST_CHECK(!down->down);
}

BOOST_FIXTURE_TEST_CASE(watermark_forwarded_only_when_the_minimum_advances, deployed_map_filter) {
  env.send_watermark(sub, 0, 0, 10); // channel 1 unknown yet: min stays
  BOOST_CHECK(log->of(probe_log::watermark).empty());
  env.send_watermark(sub, 1, 0, 5); // min 5
  env.send_watermark(sub, 1, 0, 20); // min 10
  env.send_watermark(sub, 0, 0, 10); // nothing new
  env.send_watermark(sub, 0, 0, 8);  // goes back: ignored
  env.send_watermark(sub, 1, 0, 30); // channel 0 still holds 10
  env.send_watermark(sub, 0, 0, 25); // min 25
  auto wms = log->of(probe_log::watermark);
  std::vector<timestamp> got;
  for (auto& w : wms)
    got.push_back(w.watermark);
  std::vector<timestamp> expected{5, 10, 25};
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(), expected.end());
  check_protocol(*log, 0);
  BOOST_CHECK(!down->down);
}

BOOST_FIXTURE_TEST_CASE(watermark_follows_the_data_before_it, deployed_map_filter) {
  env.send_data(sub, 0, 0, readings(1, 2)); // buffered in the router
  env.send_watermark(sub, 0, 1, 100);
  env.send_watermark(sub, 1, 0, 100);
  // The partial batch is flushed before the watermark leaves.
  BOOST_REQUIRE_EQUAL(log->entries.size(), 2u);
  BOOST_CHECK(log->entries[0].kind == probe_log::data);
  BOOST_CHECK(log->entries[1].kind == probe_log::watermark);
  BOOST_CHECK_EQUAL(log->entries[1].watermark, 100);
  BOOST_CHECK_EQUAL(log->entries[1].seq, 1u);
  check_protocol(*log, 0);
}

BOOST_AUTO_TEST_SUITE_END()
