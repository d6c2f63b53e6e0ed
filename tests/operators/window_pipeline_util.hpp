// Helpers of the window tests through whole jobs (window_pipeline_test.cpp,
// window_timers_test.cpp, window_functions_test.cpp,
// window_late_data_test.cpp): sensor readings, out-of-order input, their
// watermark strategy and a reduce function.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "operators/environment.hpp"

namespace sluice::window_job_test {

struct reading {
  int32_t sensor = 0;
  int64_t value = 0;
  int64_t time = 0;
  friend bool operator==(const reading&, const reading&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reading& x) {
  return f(x.sensor, x.value, x.time);
}

/// `n` readings of 5 sensors, times mostly rising with jitter of up to 3 s.
inline std::vector<reading> out_of_order(size_t n, uint32_t seed) {
  std::mt19937 rng{seed};
  std::vector<reading> xs;
  for (size_t i = 0; i < n; ++i) {
    auto jitter = static_cast<int64_t>(rng() % 3000);
    xs.push_back({static_cast<int32_t>(rng() % 5), static_cast<int64_t>(rng() % 100),
                  static_cast<int64_t>(i) * 100 + jitter});
  }
  return xs;
}

/// Event time from the reading's time, 3 s out of order at most.
inline auto by_time() {
  using namespace std::chrono_literals;
  return watermark_strategy<reading>::for_bounded_out_of_orderness(3s).with_timestamp_assigner(
    [](const reading& r) { return r.time; });
}

/// Sums the values of a sensor's readings (the earliest time stays).
inline constexpr auto sum_readings = [](const reading& a, const reading& b) {
  return reading{a.sensor, a.value + b.value, std::min(a.time, b.time)};
};

} // namespace sluice::window_job_test
