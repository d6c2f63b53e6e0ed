// Side outputs of keyed process functions (Flink's ctx.output(tag, value)
// and getSideOutput) through whole jobs: a split by value into the main
// output and a side output of another record type, exact; a tag nothing
// reads is dropped; a tag read as another type than emitted fails the job
// naming the tag; reading one tag as two types is refused up front.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "operators/environment.hpp"

using namespace sluice;

namespace {

using reading = std::pair<int32_t, int64_t>; // sensor, value
using alert = std::pair<std::string, int64_t>;

const output_tag<alert> high_tag{"high"};
const output_tag<reading> unread_tag{"unread"};

/// Readings below 50 go on; others become alerts on side output "high";
/// every reading also goes to "unread", which nothing reads.
class split_high final : public keyed_process_function<int32_t, reading, reading> {
public:
  void process_element(const reading& r, keyed_context<int32_t>& ctx,
                       collector<reading>& out) override {
    if (r.second < 50)
      out.collect(r);
    else
      ctx.output(high_tag, alert{"sensor-" + std::to_string(ctx.current_key()), r.second});
    ctx.output(unread_tag, r);
  }
};

std::vector<reading> readings() {
  std::vector<reading> xs;
  for (int64_t i = 0; i < 2000; ++i)
    xs.push_back({static_cast<int32_t>(i % 7), (i * 37) % 100});
  return xs;
}

} // namespace

BOOST_AUTO_TEST_SUITE(side_outputs)

BOOST_AUTO_TEST_CASE(a_process_function_splits_into_main_and_side_output) {
  auto xs = readings();
  std::vector<reading> low;
  std::vector<alert> high;
  for (auto& r : xs)
    if (r.second < 50)
      low.push_back(r);
    else
      high.push_back({"sensor-" + std::to_string(r.first), r.second});
  environment env;
  env.set_parallelism(2);
  auto main = env.from_collection(xs).key_by([](const reading& r) { return r.first; }).process(
    split_high{});
  auto got_low = main.collect();
  auto got_high = main.get_side_output(high_tag).collect();
  auto result = env.execute("split");
  BOOST_REQUIRE_MESSAGE(result.status == job_status::finished, result.message);
  auto l = got_low->values();
  auto h = got_high->values();
  std::sort(l.begin(), l.end());
  std::sort(h.begin(), h.end());
  std::sort(low.begin(), low.end());
  std::sort(high.begin(), high.end());
  BOOST_CHECK(l == low);
  BOOST_CHECK(h == high);
  BOOST_CHECK(!high.empty() && !low.empty());
}

BOOST_AUTO_TEST_CASE(a_side_output_read_as_another_type_fails_the_job) {
  environment env;
  auto main = env.from_collection(readings())
                .key_by([](const reading& r) { return r.first; })
                .process(split_high{});
  main.get_side_output(output_tag<int>{"high"}).collect(); // emitted as alert
  auto result = env.execute("wrong-type");
  BOOST_CHECK(result.status == job_status::failed);
  BOOST_CHECK_MESSAGE(result.message.find("side output 'high'") != std::string::npos,
                      result.message);
}

BOOST_AUTO_TEST_CASE(one_tag_read_as_two_types_is_refused) {
  environment env;
  auto main = env.from_collection(readings())
                .key_by([](const reading& r) { return r.first; })
                .process(split_high{});
  main.get_side_output(high_tag);
  try {
    main.get_side_output(output_tag<int>{"high"});
    BOOST_ERROR("a second type for side output 'high' was accepted");
  } catch (const sluice::exception& e) {
    BOOST_CHECK(e.code() == ec::invalid_job_graph);
    BOOST_CHECK_MESSAGE(std::string{e.what()}.find("'high'") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_SUITE_END()
