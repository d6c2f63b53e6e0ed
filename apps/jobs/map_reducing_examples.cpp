// The seed's map-state and reducing-state examples (CountAverageMapState,
// CountAverageReduceStage): see apps/jobs/state_examples.hpp.
#include "apps/jobs/state_examples.hpp"

#include <string>
#include <utility>
#include <vector>

#include "apps/jobs/state_example_support.hpp"

namespace sluice::apps {

using state_support::collection;
using state_support::keyed_example;

namespace {

/// CountAverageMapState.
class count_average_map_state final
  : public keyed_process_function<int64_t, keyed_reading, keyed_reading> {
public:
  void open(keyed_context<int64_t>& ctx) override {
    values_ = &ctx.state(map_state_descriptor<std::string, double>{"mapStateOperate"});
  }

  void process_element(const keyed_reading& in, keyed_context<int64_t>&,
                       collector<keyed_reading>& out) override {
    // The seed puts under UUID.randomUUID(); a deterministic id instead: the
    // key's number of mappings, unique since no mapping is ever removed.
    values_->put(std::to_string(values_->count()), in.value);
    if (values_->count() < 3)
      return;
    int64_t count = 0;
    double sum = 0;
    for (double v : values_->values()) {
      ++count;
      sum += v;
    }
    out.collect(keyed_reading{in.key, sum / static_cast<double>(count)});
  }

private:
  map_state<std::string, double>* values_ = nullptr;
};

/// CountAverageReduceStage.
class count_average_reduce final
  : public keyed_process_function<int64_t, keyed_reading, keyed_reading> {
public:
  void open(keyed_context<int64_t>& ctx) override {
    sum_ = &ctx.state(reducing_state_descriptor<double>{
      "reduceSum", [](const double& a, const double& b) { return a + b; }});
    // The seed's `var counter` is one field for every key of the instance;
    // kept per key here, so that the output does not depend on parallelism.
    counter_ = &ctx.state(value_state_descriptor<int64_t>{"count"});
  }

  void process_element(const keyed_reading& in, keyed_context<int64_t>&,
                       collector<keyed_reading>& out) override {
    auto n = counter_->value_or(0) + 1;
    counter_->update(n);
    sum_->add(in.value);
    out.collect(keyed_reading{in.key, sum_->get().value_or(0) / static_cast<double>(n)});
  }

private:
  reducing_state<double>* sum_ = nullptr;
  value_state<int64_t>* counter_ = nullptr;
};

} // namespace

stream<keyed_reading> map_state_average(const stream<keyed_reading>& in) {
  return keyed_example(in, "map-state-average", count_average_map_state{});
}

stream<keyed_reading> map_state_average(environment& env, std::vector<keyed_reading> input) {
  return map_state_average(collection(env, std::move(input)));
}

stream<keyed_reading> reducing_state_sum(const stream<keyed_reading>& in) {
  return keyed_example(in, "reducing-state-sum", count_average_reduce{});
}

stream<keyed_reading> reducing_state_sum(environment& env, std::vector<keyed_reading> input) {
  return reducing_state_sum(collection(env, std::move(input)));
}

} // namespace sluice::apps
