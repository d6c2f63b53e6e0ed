// Embedding: a job runs on the host's own actor system (one system, not two).
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <thread>

#include <caf/all.hpp>

#include "actors/config/system_config.hpp"
#include "operators/environment.hpp"

namespace embedding_test {

namespace {

struct measurement {
  int32_t id = 0;
  double celsius = 0;
};

} // namespace

BOOST_AUTO_TEST_SUITE(embedding)

BOOST_AUTO_TEST_CASE(job_runs_on_the_host_actor_system) {
  caf::actor_system_config cfg;
  sluice::register_sluice(cfg);
  caf::actor_system host{cfg};
  auto before = host.registry().running();
  std::vector<measurement> xs;
  for (int32_t i = 0; i < 500; ++i)
    xs.push_back({i, i * 0.5});
  {
    sluice::environment env{host};
    BOOST_CHECK(&env.system() == &host);
    env.set_parallelism(2);
    auto out = env.from_collection(xs)
                 .map([](const measurement& m) { return m.celsius * 9 / 5 + 32; })
                 .collect();
    auto job = env.execute_async("embedded");
    // While it runs, its actors live in the host system.
    auto result = job.wait();
    BOOST_CHECK_EQUAL(sluice::to_string(result.status), "finished");
    auto got = out->values();
    BOOST_CHECK_EQUAL(got.size(), xs.size());
    double sum = 0, expected = 0;
    for (auto v : got)
      sum += v;
    for (auto& m : xs)
      expected += m.celsius * 9 / 5 + 32;
    BOOST_CHECK_CLOSE(sum, expected, 1e-9);
  }
  // The environment left no actor behind in the host. The job master
  // publishes the result just before it quits, so give it a moment.
  for (int i = 0; i < 500 && host.registry().running() != before; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  BOOST_CHECK_EQUAL(host.registry().running(), before);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace embedding_test
