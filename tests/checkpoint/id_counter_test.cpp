// checkpoint_id_counter: ids start at 1, never repeat, and continue after a
// restored checkpoint without ever moving backwards.
#include "actors/checkpoint/id_counter.hpp"

#include <boost/test/unit_test.hpp>

#include <limits>
#include <set>

namespace id_counter_test {

using sluice::checkpoint_id_counter;

BOOST_AUTO_TEST_SUITE(checkpoint_id_counter_suite)

BOOST_AUTO_TEST_CASE(ids_start_at_one_and_increase) {
  checkpoint_id_counter c;
  BOOST_CHECK_EQUAL(c.peek(), 1u);
  BOOST_CHECK_EQUAL(c.last(), 0u);
  BOOST_CHECK_EQUAL(c.next(), 1u);
  BOOST_CHECK_EQUAL(c.next(), 2u);
  BOOST_CHECK_EQUAL(c.peek(), 3u);
  BOOST_CHECK_EQUAL(c.last(), 2u);
  BOOST_CHECK_EQUAL(c.next(), 3u);
}

BOOST_AUTO_TEST_CASE(ids_never_repeat) {
  checkpoint_id_counter c;
  std::set<uint64_t> seen;
  for (int i = 0; i < 1000; ++i)
    BOOST_REQUIRE(seen.insert(c.next()).second);
}

BOOST_AUTO_TEST_CASE(restore_continues_after_the_restored_id) {
  // A new job started from retained checkpoint 41.
  checkpoint_id_counter c;
  c.restore_after(41);
  BOOST_CHECK_EQUAL(c.next(), 42u);
}

BOOST_AUTO_TEST_CASE(restore_of_an_older_checkpoint_never_moves_backwards) {
  // Checkpoint 5 completed, 6 and 7 were pending when the job failed over;
  // the restart restores 5 and must not reuse 6 or 7.
  checkpoint_id_counter c;
  for (int i = 0; i < 7; ++i)
    c.next();
  c.restore_after(5);
  BOOST_CHECK_EQUAL(c.next(), 8u);
  c.restore_after(0);
  BOOST_CHECK_EQUAL(c.next(), 9u);
  c.restore_after(9); // the id just handed out
  BOOST_CHECK_EQUAL(c.next(), 10u);
}

BOOST_AUTO_TEST_CASE(ids_across_several_restarts_are_unique) {
  checkpoint_id_counter c;
  std::set<uint64_t> seen;
  uint64_t last_completed = 0;
  for (int attempt = 0; attempt < 5; ++attempt) {
    c.restore_after(last_completed);
    for (int i = 0; i < 3; ++i) {
      auto id = c.next();
      BOOST_REQUIRE(seen.insert(id).second);
      if (i == 0)
        last_completed = id; // only the first of each attempt completed
    }
  }
  BOOST_CHECK_EQUAL(seen.size(), 15u);
}

BOOST_AUTO_TEST_CASE(exhausted_ids_throw_instead_of_wrapping) {
  checkpoint_id_counter c;
  c.restore_after(std::numeric_limits<uint64_t>::max() - 1);
  BOOST_CHECK_EQUAL(c.peek(), std::numeric_limits<uint64_t>::max());
  BOOST_CHECK_THROW(c.next(), sluice::exception);
  c.restore_after(std::numeric_limits<uint64_t>::max());
  BOOST_CHECK_THROW(c.next(), sluice::exception);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace id_counter_test
