// Window state across a snapshot and restore (issue 8): the window
// operator's keyed state (contents, trigger values, timers, session
// mappings) snapshotted mid-stream, written to a state file image and
// restored into a fresh backend and a fresh operator, whose results from
// then on equal an uninterrupted run's and the reference's: event-time
// windows (window_restore_checks.hpp) and processing-time windows. Both
// backends. A restore split over two backends (a rescale):
// window_operator_rescale_test.cpp; count windows:
// window_count_trigger_test.cpp.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <vector>

#include "tests/operators/window_restore_checks.hpp"

using namespace sluice;
using namespace sluice::window_test;
using namespace std::chrono_literals;

namespace sluice::window_test {

void check_restore_process(state_backend_kind kind, bool rescale) {
  check_restore_all<process_contents<ev, stats_fn<time_window>>>(kind, rescale);
}

} // namespace sluice::window_test

BOOST_AUTO_TEST_SUITE(window_operator_suite)

// 7. Event-time windows (contents, timers, session mappings, lateness)
// survive two chained snapshot/restores: results equal an uninterrupted run.
BOOST_DATA_TEST_CASE(event_time_windows_survive_snapshot_and_restore, SLUICE_BACKENDS, kind) {
  check_restore_all<reduce_contents<ev, sum_ev>>(kind, false);
  check_restore_process(kind, false);
}

// Processing-time windows: the restored operator asks at open for its
// earliest window end - 1 (timers restored) and fires the restored
// contents on the clock.
BOOST_DATA_TEST_CASE(processing_time_windows_survive_snapshot_and_restore, SLUICE_BACKENDS,
                     kind) {
  using contents = reduce_contents<ev, sum_ev>;
  using op = op_of<tumbling_processing_time_windows, contents>;
  auto make_op = [] {
    return std::make_unique<op>(tumbling_processing_time_windows::of(100ms),
                                std::make_shared<processing_time_trigger<time_window>>(), 0,
                                contents{}, key_of{});
  };
  harness first{make_backend(kind), make_op()};
  first.ctx.clock = 1000;
  first.feed({{1, 1}, {2, 2}});
  first.ctx.clock = 1150;
  first.feed({{1, 4}});
  harness second{snapshot_and_restore(first.backend()), make_op()};
  BOOST_CHECK(second.ctx.requests == (std::vector<timestamp>{1099}));
  second.ctx.clock = 1160;
  second.feed({{2, 8}});
  second.processing_time(1100);
  BOOST_CHECK(second.take_fired()
              == (std::vector<fired>{{1, 0, 1100, 1, 1}, {2, 0, 1100, 1, 2}}));
  BOOST_CHECK_EQUAL(second.ctx.requests.back(), 1199);
  second.processing_time(1200);
  BOOST_CHECK(second.take_fired()
              == (std::vector<fired>{{1, 0, 1200, 1, 4}, {2, 0, 1200, 1, 8}}));
}

BOOST_AUTO_TEST_SUITE_END()
