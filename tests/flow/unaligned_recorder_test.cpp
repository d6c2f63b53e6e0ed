// Recording the input channel state of an unaligned checkpoint as a plain
// class: which arriving batches belong to the checkpoint, when the
// recording is complete, what a newer checkpoint does to an older one.
#include "actors/subtask/unaligned_recorder.hpp"

#include "actors/subtask/async_snapshot.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>

using namespace sluice;
using namespace std::chrono_literals;

namespace unaligned_recorder_test {

namespace {

using clock_type = unaligned_recorder::clock;

std::shared_ptr<snapshot_task> task_with_queued_input() {
  auto task = std::make_shared<snapshot_task>();
  task->channel_state.push_back(
    in_flight_batch{channel_direction::input, 0, 1, make_batch(std::vector<int>{1}), {}});
  return task;
}

batch_codec int_codec() {
  return make_batch_codec<int>();
}

} // namespace

BOOST_AUTO_TEST_SUITE(unaligned_recorder_suite)

BOOST_AUTO_TEST_CASE(records_only_channels_whose_barrier_is_outstanding) {
  unaligned_recorder r;
  auto t0 = clock_type::now();
  BOOST_CHECK(!r.start(4, task_with_queued_input(), {true, false, true}, int_codec(), t0));
  BOOST_CHECK(r.current() == 4u);
  BOOST_CHECK(r.records(0));
  BOOST_CHECK(!r.records(1));
  BOOST_CHECK(r.records(2));
  BOOST_CHECK(!r.records(3)); // no such channel
  r.on_data(0, 2, make_batch(std::vector<int>{2, 3}));
  r.on_data(1, 9, make_batch(std::vector<int>{99})); // after its barrier: not in flight
  r.on_data(2, 5, make_batch(std::vector<int>{4}));
  BOOST_CHECK(r.take_if_complete(t0 + 1ms) == nullptr); // channels 0 and 2 still record
  r.stop(0);
  r.on_data(0, 3, make_batch(std::vector<int>{5})); // after channel 0's barrier
  BOOST_CHECK(r.take_if_complete(t0 + 2ms) == nullptr);
  r.stop(2);
  auto task = r.take_if_complete(t0 + 7ms);
  BOOST_REQUIRE(task != nullptr);
  BOOST_CHECK(!r.current());
  BOOST_CHECK(!r.records(2));
  // The queued batch, then what arrived on recording channels, in order.
  BOOST_REQUIRE_EQUAL(task->channel_state.size(), 3u);
  BOOST_CHECK_EQUAL(task->channel_state[1].channel, 0u);
  BOOST_CHECK_EQUAL(task->channel_state[1].seq, 2u);
  BOOST_CHECK_EQUAL(task->channel_state[1].records->size(), 2u);
  BOOST_CHECK(task->channel_state[1].direction == channel_direction::input);
  BOOST_CHECK(static_cast<bool>(task->channel_state[1].codec));
  BOOST_CHECK_EQUAL(task->channel_state[2].channel, 2u);
  BOOST_CHECK_EQUAL(task->channel_state[2].seq, 5u);
  BOOST_CHECK_EQUAL(task->ack.alignment_ns, std::chrono::nanoseconds{7ms}.count());
  // Idle again: nothing is recorded, nothing completes.
  r.on_data(0, 4, make_batch(std::vector<int>{6}));
  BOOST_CHECK(r.take_if_complete(t0 + 8ms) == nullptr);
  BOOST_CHECK_EQUAL(task->channel_state.size(), 3u);
}

BOOST_AUTO_TEST_CASE(completes_at_once_when_no_channel_records) {
  unaligned_recorder r;
  auto t0 = clock_type::now();
  r.start(2, task_with_queued_input(), {false, false}, {}, t0);
  auto task = r.take_if_complete(t0);
  BOOST_REQUIRE(task != nullptr);
  BOOST_CHECK_EQUAL(task->channel_state.size(), 1u);
  BOOST_CHECK_EQUAL(task->ack.alignment_ns, 0);
  BOOST_CHECK(!r.current());
}

BOOST_AUTO_TEST_CASE(end_of_stream_stops_a_channel_like_its_barrier) {
  unaligned_recorder r;
  auto t0 = clock_type::now();
  r.start(3, task_with_queued_input(), {true}, int_codec(), t0);
  r.on_data(0, 2, make_batch(std::vector<int>{7}));
  r.stop(0); // end-of-stream: no barrier will come
  r.stop(5); // a channel out of range: ignored
  auto task = r.take_if_complete(t0 + 1ms);
  BOOST_REQUIRE(task != nullptr);
  BOOST_CHECK_EQUAL(task->channel_state.size(), 2u);
}

BOOST_AUTO_TEST_CASE(a_newer_checkpoint_abandons_the_one_still_recording) {
  unaligned_recorder r;
  auto t0 = clock_type::now();
  auto older = task_with_queued_input();
  std::weak_ptr<snapshot_task> older_alive = older;
  r.start(5, std::move(older), {true, true}, int_codec(), t0);
  r.stop(0);
  auto abandoned = r.start(6, task_with_queued_input(), {true, false}, int_codec(), t0 + 1ms);
  BOOST_REQUIRE(abandoned);
  BOOST_CHECK_EQUAL(*abandoned, 5u);
  BOOST_CHECK(older_alive.expired()); // its task is dropped, never written
  BOOST_CHECK(r.current() == 6u);
  BOOST_CHECK(!r.records(1));
  r.stop(0);
  auto task = r.take_if_complete(t0 + 3ms);
  BOOST_REQUIRE(task != nullptr);
  BOOST_CHECK_EQUAL(task->ack.alignment_ns, std::chrono::nanoseconds{2ms}.count());
}

BOOST_AUTO_TEST_CASE(abandon_drops_the_checkpoint_and_names_it) {
  unaligned_recorder r;
  BOOST_CHECK(!r.abandon());
  r.start(8, task_with_queued_input(), {true}, int_codec(), clock_type::now());
  auto id = r.abandon();
  BOOST_REQUIRE(id);
  BOOST_CHECK_EQUAL(*id, 8u);
  BOOST_CHECK(!r.current());
  BOOST_CHECK(!r.records(0));
  BOOST_CHECK(r.take_if_complete(clock_type::now()) == nullptr);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace unaligned_recorder_test
