// The print sink's format (Flink's print(): "prefix:i> record").
#include <boost/test/unit_test.hpp>

#include <sstream>

#include "actors/subtask/operator_chain.hpp"
#include "operators/sinks.hpp"

namespace sinks_test {

namespace {

std::string print_through_chain(std::string prefix, uint32_t index, uint32_t parallelism) {
  std::ostringstream os;
  std::vector<sluice::operator_chain::link> links(1);
  links[0].op = std::make_unique<sluice::print_sink<int>>(std::move(prefix), &os);
  links[0].info.subtask_index = index;
  links[0].info.parallelism = parallelism;
  sluice::operator_chain chain{std::move(links), {}, {}};
  chain.open({});
  chain.process(sluice::make_batch(std::vector<int>{7, 8}));
  chain.finish_input();
  return os.str();
}

} // namespace

BOOST_AUTO_TEST_SUITE(sinks)

BOOST_AUTO_TEST_CASE(print_prefixes_like_flink) {
  BOOST_CHECK_EQUAL(print_through_chain("", 0, 1), "7\n8\n");
  BOOST_CHECK_EQUAL(print_through_chain("", 1, 2), "2> 7\n2> 8\n");
  BOOST_CHECK_EQUAL(print_through_chain("out", 0, 1), "out> 7\nout> 8\n");
  BOOST_CHECK_EQUAL(print_through_chain("out", 2, 3), "out:3> 7\nout:3> 8\n");
}

BOOST_AUTO_TEST_CASE(collect_gathers_every_batch) {
  auto out = std::make_shared<sluice::collected<int>>();
  std::vector<sluice::operator_chain::link> links(1);
  links[0].op = std::make_unique<sluice::collect_sink<int>>(out);
  sluice::operator_chain chain{std::move(links), {}, {}};
  chain.open({});
  chain.process(sluice::make_batch(std::vector<int>{1, 2}));
  chain.process(sluice::make_batch(std::vector<int>{3}));
  BOOST_CHECK((out->values() == std::vector<int>{1, 2, 3}));
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace sinks_test
