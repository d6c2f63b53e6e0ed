// records_of<T> checks the record type in builds with assertions: reading a
// batch as the wrong type aborts instead of reinterpreting its memory.
#include "actors/contract/batch.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace sluice;

namespace records_of_test {

BOOST_AUTO_TEST_SUITE(records_of_suite)

BOOST_AUTO_TEST_CASE(reads_a_batch_of_its_own_type) {
  auto b = make_batch(std::vector<int>{1, 2, 3});
  BOOST_CHECK_EQUAL(records_of<int>(*b).size(), 3u);
  BOOST_CHECK(b->record_type() == typeid(int));
}

BOOST_AUTO_TEST_CASE(aborts_on_a_batch_of_another_type_when_assertions_are_on) {
#ifdef NDEBUG
  BOOST_TEST_MESSAGE("built with NDEBUG: records_of does not check");
#else
  auto b = make_batch(std::vector<int>{1, 2, 3});
  auto child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    // No core file, no Boost handler: just the abort.
    std::signal(SIGABRT, SIG_DFL);
    auto& wrong = records_of<std::string>(*b);
    ::_exit(wrong.empty() ? 0 : 1);
  }
  int status = 0;
  BOOST_REQUIRE_EQUAL(::waitpid(child, &status, 0), child);
  BOOST_CHECK_MESSAGE(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
                      "records_of<std::string> on a batch of int did not abort");
#endif
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace records_of_test
