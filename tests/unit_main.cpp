// Entry point of the `unit` suite: plain classes tested without actors,
// plus deterministic actor tests on CAF's test coordinator.
#define BOOST_TEST_MODULE sluice_unit
#include <boost/test/unit_test.hpp>
