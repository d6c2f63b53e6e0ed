// A program outside the sluice tree that embeds libsluice: built by
// tests/apps/install_test.cpp against an installed copy (pkg-config, CMake).
// It runs a job on its own CAF actor system with sluice's options read from
// its command line (`--pipeline.parallelism=2`).
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/embedding/embedding.hpp"
#include "actors/contract/error.hpp"
#include "actors/config/system_config.hpp"
#include "operators/environment.hpp"
#include "sluice_defaults.hpp"
#include "snapshot.capnp.h"

namespace {

struct host_config : caf::actor_system_config {
  host_config() {
    sluice::register_sluice(*this);
  }
};

} // namespace

int main(int argc, char** argv) {
  host_config cfg;
  if (auto err = cfg.parse(argc, argv)) {
    std::cerr << "consumer: " << sluice::render(err) << '\n';
    return 2;
  }
  auto pipeline = sluice::read_pipeline_config(cfg);
  if (!pipeline) {
    std::cerr << "consumer: " << sluice::render(pipeline.error()) << '\n';
    return 2;
  }
  caf::actor_system sys{cfg};
  std::vector<int64_t> xs;
  for (int64_t i = 1; i <= 1000; ++i)
    xs.push_back(i);
  int64_t sum = 0;
  {
    sluice::environment env{sys, *pipeline};
    auto out = env.from_collection(xs)
                 .rebalance()
                 .map([](int64_t x) { return x * 2; })
                 .collect();
    auto result = env.execute("consumer");
    if (result.status != sluice::job_status::finished) {
      std::cerr << "consumer: job " << sluice::to_string(result.status) << ": "
                << result.message << '\n';
      return 1;
    }
    for (auto x : out->values())
      sum += x;
  }
  std::cout << "sum=" << sum << " parallelism=" << pipeline->parallelism
            << " schema-version=" << sluice::schema::FORMAT_VERSION << '\n';
  return 0;
}
