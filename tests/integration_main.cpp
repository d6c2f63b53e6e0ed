// Entry point of the `integration` suite: whole jobs on a real actor system.
#define BOOST_TEST_MODULE sluice_integration
#include <boost/test/unit_test.hpp>
