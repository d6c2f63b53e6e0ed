// The click-counts sample job (the seeds' SavepointExample) on small input.
#include <boost/test/unit_test.hpp>

#include <map>

#include "apps/jobs/click_counts.hpp"

namespace click_counts_test {

BOOST_AUTO_TEST_SUITE(click_counts)

BOOST_AUTO_TEST_CASE(counts_every_users_visits_exactly) {
  sluice::click_source_options opts;
  opts.count = 2000;
  opts.users = 50;
  for (uint32_t p : {1u, 2u}) {
    sluice::environment env;
    env.set_parallelism(p);
    auto out = sluice::apps::click_counts(env, opts).collect();
    BOOST_REQUIRE_EQUAL(sluice::to_string(env.execute("click-counts").status), "finished");
    std::map<std::string, int64_t> expected, last;
    for (uint64_t i = 0; i < opts.count; ++i)
      ++expected[sluice::click_event_at(opts, i).user];
    auto lines = out->values();
    BOOST_CHECK_EQUAL(lines.size(), opts.count);
    for (auto& line : lines) {
      auto pos = line.find(" visit count: ");
      BOOST_REQUIRE(pos != std::string::npos);
      auto user = line.substr(0, pos);
      auto n = std::stoll(line.substr(pos + 14));
      BOOST_CHECK_EQUAL(n, last[user] + 1); // counts per user rise by one
      last[user] = n;
    }
    BOOST_CHECK(last == expected);
  }
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace click_counts_test
