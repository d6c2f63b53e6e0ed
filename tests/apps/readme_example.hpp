// The README's API example as a function (generated from README.md by
// scripts/readme-example at build time): it runs the example's job on
// `input` and returns what its collect sink received and the job result.
#pragma once

#include <cstdint>
#include <vector>

#include "actors/contract/job_status.hpp"

namespace sluice::readme_example_test {

/// A sensor reading, as the example's `reading`.
struct sample {
  int32_t sensor = 0;
  int64_t time = 0;
  int64_t value = 0;
};

struct readme_example_outcome {
  job_result result;
  /// The largest running sum per sensor and window, as collected.
  std::vector<sample> maxima;
};

readme_example_outcome run_readme_example(const std::vector<sample>& input);

} // namespace sluice::readme_example_test
