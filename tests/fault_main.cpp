// Entry point of the `fault` suite: jobs whose actors are killed or fail.
#define BOOST_TEST_MODULE sluice_fault
#include <boost/test/unit_test.hpp>
