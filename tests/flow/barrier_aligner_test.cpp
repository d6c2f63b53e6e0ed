// Barrier alignment decisions as a plain class: which channel to block,
// when checkpoint n is complete, what a newer barrier or a finished input
// changes.
#include "actors/subtask/barrier_aligner.hpp"

#include <boost/test/unit_test.hpp>

using namespace sluice;

namespace barrier_aligner_test {

BOOST_AUTO_TEST_SUITE(barrier_aligner_suite)

BOOST_AUTO_TEST_CASE(aligned_blocks_each_channel_until_all_delivered) {
  barrier_aligner a{3, barrier_handling::aligned};
  auto d = a.on_barrier(1, 7);
  BOOST_CHECK(d.block);
  BOOST_CHECK(!d.complete);
  BOOST_CHECK(a.current() == 7u);
  BOOST_CHECK(a.delivered(1));
  BOOST_CHECK(!a.delivered(0));
  d = a.on_barrier(0, 7);
  BOOST_CHECK(d.block);
  BOOST_CHECK(!d.complete);
  d = a.on_barrier(2, 7);
  BOOST_CHECK(!d.block);
  BOOST_REQUIRE(d.complete);
  BOOST_CHECK_EQUAL(*d.complete, 7u);
  BOOST_CHECK(!a.current());
  BOOST_CHECK(!a.delivered(1));
  BOOST_CHECK_EQUAL(a.last_completed(), 7u);
}

BOOST_AUTO_TEST_CASE(at_least_once_never_blocks_and_completes_on_the_last_barrier) {
  barrier_aligner a{2, barrier_handling::at_least_once};
  auto d = a.on_barrier(0, 1);
  BOOST_CHECK(!d.block);
  BOOST_CHECK(!d.complete);
  d = a.on_barrier(1, 1);
  BOOST_CHECK(!d.block);
  BOOST_REQUIRE(d.complete);
  BOOST_CHECK_EQUAL(*d.complete, 1u);
}

BOOST_AUTO_TEST_CASE(single_input_completes_at_once) {
  barrier_aligner a{1, barrier_handling::aligned};
  auto d = a.on_barrier(0, 3);
  BOOST_CHECK(!d.block);
  BOOST_REQUIRE(d.complete);
  BOOST_CHECK_EQUAL(*d.complete, 3u);
}

BOOST_AUTO_TEST_CASE(late_and_duplicate_barriers_are_ignored) {
  barrier_aligner a{2, barrier_handling::aligned};
  a.on_barrier(0, 5);
  a.on_barrier(1, 5);
  auto d = a.on_barrier(0, 5); // already completed
  BOOST_CHECK(!d.block && !d.complete && !d.abandoned);
  d = a.on_barrier(1, 4); // older
  BOOST_CHECK(!d.block && !d.complete && !d.abandoned);
  BOOST_CHECK(!a.current());
}

BOOST_AUTO_TEST_CASE(newer_barrier_abandons_the_running_alignment) {
  barrier_aligner a{2, barrier_handling::aligned};
  a.on_barrier(0, 1);
  auto d = a.on_barrier(1, 2);
  BOOST_REQUIRE(d.abandoned);
  BOOST_CHECK_EQUAL(*d.abandoned, 1u);
  BOOST_CHECK(d.block);
  BOOST_CHECK(a.current() == 2u);
  BOOST_CHECK(!a.delivered(0)); // channel 0 unblocked: it has not sent barrier 2
  d = a.on_barrier(0, 1); // the rest of the abandoned checkpoint
  BOOST_CHECK(!d.block && !d.complete);
  d = a.on_barrier(0, 2);
  BOOST_REQUIRE(d.complete);
  BOOST_CHECK_EQUAL(*d.complete, 2u);
}

BOOST_AUTO_TEST_CASE(finished_inputs_count_as_delivered) {
  barrier_aligner a{3, barrier_handling::aligned};
  a.on_end_of_stream(2);
  a.on_barrier(0, 1);
  auto d = a.on_barrier(1, 1);
  BOOST_REQUIRE(d.complete);
  // An input that ends while the others wait completes the alignment.
  a.on_barrier(0, 2);
  d = a.on_end_of_stream(1);
  BOOST_REQUIRE(d.complete);
  BOOST_CHECK_EQUAL(*d.complete, 2u);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace barrier_aligner_test
