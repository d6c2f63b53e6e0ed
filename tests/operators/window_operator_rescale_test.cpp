// Window state across a rescale (issue 8): the window operator's keyed
// state (contents, timers, session mappings) snapshotted mid-stream,
// written to a state file image and restored onto two fresh backends and
// operators owning half the key groups each; the union of their results
// equals an uninterrupted run's and the reference's
// (window_restore_checks.hpp). Tumbling, sliding and session event-time
// windows with aggregate and process functions, both backends.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "tests/operators/window_restore_checks.hpp"

using namespace sluice;
using namespace sluice::window_test;

BOOST_AUTO_TEST_SUITE(window_operator_suite)

// ... and a restore onto two subtasks of half the key groups each: the
// union of their results equals an uninterrupted run.
BOOST_DATA_TEST_CASE(event_time_windows_survive_a_rescale, SLUICE_BACKENDS, kind) {
  check_restore_all<aggregate_contents<ev, average>>(kind, true);
  check_restore_process(kind, true);
}

BOOST_AUTO_TEST_SUITE_END()
