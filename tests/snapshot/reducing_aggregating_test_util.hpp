// Helpers of the reducing and aggregating state tests
// (reducing_aggregating_state_*_test.cpp): the "sum" reducing state of
// int64_t and the "avg" aggregating state, an average over a (count, sum)
// accumulator given as an object with Flink's AggregateFunction methods.
#pragma once

#include "snapshot/keyed_state_backend.hpp"

#include <cstdint>
#include <utility>

namespace sluice::reducing_aggregating_test {

inline const reducing_state_descriptor<int64_t> sum_desc{
  "sum", [](const int64_t& a, const int64_t& b) { return a + b; }};

/// Flink's AggregateFunction as an object: an average over (count, sum).
struct average {
  using acc = std::pair<int64_t, double>;
  acc create() const {
    return {0, 0.0};
  }
  acc add(const double& in, acc a) const {
    return {a.first + 1, a.second + in};
  }
  double result(const acc& a) const {
    return a.first == 0 ? 0.0 : a.second / static_cast<double>(a.first);
  }
  acc merge(acc a, acc b) const {
    return {a.first + b.first, a.second + b.second};
  }
};

inline const aggregating_state_descriptor<double, std::pair<int64_t, double>, double> avg_desc{
  "avg", average{}};

} // namespace sluice::reducing_aggregating_test
