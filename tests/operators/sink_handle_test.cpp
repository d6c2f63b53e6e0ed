// print(), collect() and sink_to() return the sink's own handle (Flink's
// DataStreamSink): `uid`, `name` and `parallelism` after them configure the
// sink. They used to return the stream before the sink, so
// `s.map(f).uid("m").print().uid("out")` silently re-uided the map to
// "out", and a savepoint mapped the map's state to the wrong uid.
#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>
#include <vector>

#include "operators/sources.hpp"
#include "operators/stream.hpp"

namespace sink_handle_test {

namespace {

using namespace sluice;

struct graph_fixture {
  graph_builder g;
  stream<int> numbers() {
    auto xs = std::make_shared<const std::vector<int>>(std::vector<int>{1, 2, 3});
    auto id = g.add_source(
      "numbers", [xs] { return std::make_unique<collection_source<int>>(xs); }, 1);
    return stream<int>{g, id};
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(sink_handle_test, graph_fixture)

BOOST_AUTO_TEST_CASE(uid_after_print_names_the_sink_not_the_operator_before_it) {
  auto mapped = numbers().map([](int x) { return x * 2; }).uid("doubler");
  auto sink = mapped.print().uid("out").name("stdout").parallelism(1);
  BOOST_CHECK_EQUAL(g.node(mapped.node_id()).uid, "doubler");
  BOOST_CHECK_NE(sink.node_id(), mapped.node_id());
  BOOST_CHECK_EQUAL(g.node(sink.node_id()).uid, "out");
  BOOST_CHECK_EQUAL(g.node(sink.node_id()).name, "stdout");
}

BOOST_AUTO_TEST_CASE(collect_returns_a_sink_handle_that_gives_the_records) {
  auto mapped = numbers().map([](int x) { return x + 1; }).uid("inc");
  auto out = mapped.collect().uid("collected").parallelism(2);
  BOOST_CHECK_EQUAL(g.node(mapped.node_id()).uid, "inc");
  BOOST_CHECK_EQUAL(g.node(out.node_id()).uid, "collected");
  BOOST_CHECK_EQUAL(g.node(out.node_id()).parallelism, 2u);
  collected_ptr<int> records = out;
  BOOST_CHECK(records == out.results());
  BOOST_CHECK(out->values().empty());
}

BOOST_AUTO_TEST_CASE(sink_to_returns_the_sink_handle) {
  auto mapped = numbers().filter([](int x) { return x > 1; }).uid("filter");
  auto sink = mapped.sink_to([](std::vector<int>) {}).uid("host");
  BOOST_CHECK_EQUAL(g.node(mapped.node_id()).uid, "filter");
  BOOST_CHECK_EQUAL(g.node(sink.node_id()).uid, "host");
}

BOOST_AUTO_TEST_CASE(name_uid_and_parallelism_return_the_stream_by_value) {
  auto s = numbers();
  stream<int> renamed = s.name("source").uid("src").parallelism(1);
  BOOST_CHECK_EQUAL(renamed.node_id(), s.node_id());
  BOOST_CHECK_EQUAL(g.node(s.node_id()).uid, "src");
  BOOST_CHECK_EQUAL(g.node(s.node_id()).name, "source");
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace sink_handle_test
