// The seed's tumbling-window example, tumbling-sum (FlinkTimeCount): see
// apps/jobs/window_examples.hpp.
#include "apps/jobs/window_examples.hpp"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "apps/jobs/window_example_support.hpp"

using namespace std::chrono_literals;

namespace sluice::apps {

using window_support::collection;
using window_support::named_window;
using window_support::to_keyed_ints;
using window_support::with_line_timestamps;

stream<keyed_int> tumbling_sum(const stream<timed_line>& in) {
  const std::string job = "tumbling-sum";
  auto numbers = to_keyed_ints(with_line_timestamps(in, job), job);
  auto sums = numbers.key_by([](const keyed_int& x) { return x.key; })
                .window(tumbling_event_time_windows::of(5s))
                .reduce([](const keyed_int& c1, const keyed_int& c2) {
                  return keyed_int{c1.key, c1.value + c2.value};
                });
  return named_window(sums, job);
}

stream<keyed_int> tumbling_sum(environment& env, std::vector<timed_line> input) {
  return tumbling_sum(collection(env, std::move(input), "tumbling-sum"));
}

} // namespace sluice::apps
