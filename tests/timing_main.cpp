// Entry point of the `timing` suite: tests whose assertions depend on the
// machine's speed or memory (absolute resident-set bounds, a source that
// must outrun its sink). Run serially (`meson test -C build --suite timing`);
// scripts/test does not run them.
#define BOOST_TEST_MODULE sluice_timing
#include <boost/test/unit_test.hpp>
