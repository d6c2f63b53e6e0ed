// watermark_tracker: min over inputs, monotonic, finished inputs release the
// minimum.
#include "actors/watermark_tracker.hpp"

#include <boost/test/unit_test.hpp>

#include <optional>

namespace {

using sluice::watermark_tracker;
using ts = watermark_tracker::timestamp;

bool advanced_to(const std::optional<ts>& result, ts expected) {
  return result.has_value() && *result == expected;
}

} // namespace

BOOST_AUTO_TEST_SUITE(watermark_tracker_suite)

BOOST_AUTO_TEST_CASE(no_advance_until_every_input_reported) {
  watermark_tracker t{3};
  BOOST_CHECK_EQUAL(t.num_inputs(), 3u);
  BOOST_CHECK_EQUAL(t.current(), watermark_tracker::min_watermark);
  BOOST_CHECK(!t.update(0, 10));
  BOOST_CHECK(!t.update(2, 5));
  BOOST_CHECK_EQUAL(t.current(), watermark_tracker::min_watermark);
  BOOST_CHECK(advanced_to(t.update(1, 7), 5));
  BOOST_CHECK_EQUAL(t.current(), 5);
}

BOOST_AUTO_TEST_CASE(min_over_inputs) {
  watermark_tracker t{2};
  t.update(0, 100);
  BOOST_CHECK(advanced_to(t.update(1, 50), 50));
  BOOST_CHECK(!t.update(0, 200)); // not the minimum: no change
  BOOST_CHECK_EQUAL(t.current(), 50);
  BOOST_CHECK(advanced_to(t.update(1, 150), 150));
  BOOST_CHECK(advanced_to(t.update(1, 300), 200));
  BOOST_CHECK_EQUAL(t.channel_watermark(0), 200);
  BOOST_CHECK_EQUAL(t.channel_watermark(1), 300);
}

BOOST_AUTO_TEST_CASE(regression_ignored) {
  watermark_tracker t{2};
  t.update(0, 10);
  t.update(1, 20);
  BOOST_CHECK_EQUAL(t.current(), 10);
  BOOST_CHECK(!t.update(0, 5));  // lower than channel 0's previous one
  BOOST_CHECK(!t.update(0, 10)); // equal: nothing new
  BOOST_CHECK_EQUAL(t.channel_watermark(0), 10);
  BOOST_CHECK_EQUAL(t.current(), 10);
  // Channel 0 at 15 is above its ignored 5, so it still advances from 10.
  BOOST_CHECK(advanced_to(t.update(0, 15), 15));
}

BOOST_AUTO_TEST_CASE(finish_releases_the_minimum) {
  watermark_tracker t{3};
  t.update(0, 10);
  t.update(1, 30);
  BOOST_CHECK_EQUAL(t.current(), watermark_tracker::min_watermark); // 2 never reported
  BOOST_CHECK(advanced_to(t.finish(2), 10)); // 2 no longer holds it back
  BOOST_CHECK(!t.finish(2));
  BOOST_CHECK_EQUAL(t.current(), 10);
  BOOST_CHECK(advanced_to(t.finish(0), 30));
  BOOST_CHECK(t.is_finished(0));
  BOOST_CHECK(!t.update(0, 1000)); // a finished input is ignored
  BOOST_CHECK_EQUAL(t.current(), 30);
  BOOST_CHECK(!t.all_finished());
}

BOOST_AUTO_TEST_CASE(finish_before_reporting_counts_as_reported) {
  watermark_tracker t{2};
  BOOST_CHECK(!t.finish(0));
  BOOST_CHECK_EQUAL(t.current(), watermark_tracker::min_watermark);
  BOOST_CHECK(advanced_to(t.update(1, 42), 42));
}

BOOST_AUTO_TEST_CASE(all_finished_gives_max_watermark) {
  watermark_tracker t{2};
  t.update(0, 1);
  t.update(1, 2);
  BOOST_CHECK(advanced_to(t.finish(0), 2));
  BOOST_CHECK(advanced_to(t.finish(1), watermark_tracker::max_watermark));
  BOOST_CHECK(t.all_finished());
  BOOST_CHECK_EQUAL(t.current(), watermark_tracker::max_watermark);
  BOOST_CHECK(!t.finish(1)); // idempotent
}

BOOST_AUTO_TEST_CASE(zero_inputs_is_a_source) {
  watermark_tracker t{0};
  BOOST_CHECK_EQUAL(t.num_inputs(), 0u);
  BOOST_CHECK_EQUAL(t.current(), watermark_tracker::min_watermark);
  BOOST_CHECK(!t.all_finished());
}

BOOST_AUTO_TEST_CASE(matches_brute_force_min) {
  // Pseudo-random updates on 4 channels; compare with a recomputed minimum.
  watermark_tracker t{4};
  ts last[4] = {watermark_tracker::min_watermark, watermark_tracker::min_watermark,
                watermark_tracker::min_watermark, watermark_tracker::min_watermark};
  ts combined = watermark_tracker::min_watermark;
  uint32_t x = 12345;
  for (int i = 0; i < 2000; ++i) {
    x = x * 1664525u + 1013904223u;
    size_t ch = (x >> 8) % 4;
    ts value = static_cast<ts>((x >> 12) % 1000) + i / 4;
    if (value > last[ch])
      last[ch] = value;
    ts lowest = last[0];
    for (ts v : last)
      lowest = v < lowest ? v : lowest;
    auto result = t.update(ch, value);
    if (lowest > combined) {
      BOOST_REQUIRE(advanced_to(result, lowest));
      combined = lowest;
    } else {
      BOOST_REQUIRE(!result);
    }
    BOOST_REQUIRE_EQUAL(t.current(), combined);
  }
}

BOOST_AUTO_TEST_SUITE_END()
