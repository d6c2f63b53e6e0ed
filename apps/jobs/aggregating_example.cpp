// The seed's aggregating-state example (AggregrageState): see
// apps/jobs/state_examples.hpp.
#include "apps/jobs/state_examples.hpp"

#include <string>
#include <utility>
#include <vector>

#include "apps/jobs/state_example_support.hpp"

namespace sluice::apps {

using state_support::collection;
using state_support::keyed_example;

namespace {

/// The seed's anonymous AggregateFunction[Double, String, String].
struct contains_aggregate {
  std::string create() const {
    return "Contains";
  }

  std::string add(const double& value, std::string acc) const {
    acc += '-';
    acc += scala_double(value);
    return acc;
  }

  std::string result(const std::string& acc) const {
    return acc;
  }

  std::string merge(std::string a, std::string b) const {
    a += '-';
    a += b;
    return a;
  }
};

/// AggregrageState (sic, the seed's name).
class aggregating_contains final
  : public keyed_process_function<int64_t, keyed_reading, keyed_text> {
public:
  void open(keyed_context<int64_t>& ctx) override {
    total_ = &ctx.state(aggregating_state_descriptor<double, std::string, std::string>{
      "aggregateState", contains_aggregate{}});
  }

  void process_element(const keyed_reading& in, keyed_context<int64_t>&,
                       collector<keyed_text>& out) override {
    total_->add(in.value);
    out.collect(keyed_text{in.key, total_->get().value_or(std::string{})});
  }

private:
  aggregating_state<double, std::string, std::string>* total_ = nullptr;
};

} // namespace

stream<keyed_text> aggregating_state_contains(const stream<keyed_reading>& in) {
  return keyed_example(in, "aggregating-state-contains", aggregating_contains{});
}

stream<keyed_text> aggregating_state_contains(environment& env,
                                              std::vector<keyed_reading> input) {
  return aggregating_state_contains(collection(env, std::move(input)));
}

} // namespace sluice::apps
