// The seed's count-window examples, count-window-max (TestCountWindow) and
// count-window-average (FlinkCountWindowAvg): see apps/jobs/window_examples.hpp.
#include "apps/jobs/window_examples.hpp"

#include <string>
#include <utility>
#include <vector>

#include "apps/jobs/window_example_support.hpp"

namespace sluice::apps {

using window_support::collection;
using window_support::named_window;
using window_support::split_on_spaces;
using window_support::to_int;
using window_support::to_keyed_ints;

namespace {

/// TestCountWindow's anonymous AggregateFunction[(String, Int), Int, Double].
struct max_aggregate {
  int64_t create() const {
    return 0; // the seed's `initAccumulator`
  }
  int64_t add(const named_int& value, int64_t acc) const {
    return acc >= value.value ? acc : value.value;
  }
  double_value result(int64_t acc) const {
    return double_value{static_cast<double>(acc)};
  }
  int64_t merge(int64_t a, int64_t b) const {
    return a >= b ? a : b;
  }
};

/// MyProcessWindowFunctionclass (sic): sum / count in Int arithmetic.
class count_average_window final
  : public process_window_function<int64_t, keyed_int, double_value, global_window> {
public:
  void process(const int64_t&, const window_context<global_window>&,
               const std::vector<keyed_int>& elements,
               collector<double_value>& out) override {
    int64_t total_num = 0;
    int64_t count_num = 0; // the seed's name for the sum
    for (auto& data : elements) {
      total_num += 1;
      count_num += data.value;
    }
    if (total_num > 0)
      out.collect(double_value{static_cast<double>(count_num / total_num)});
  }
};

} // namespace

stream<double_value> count_window_max(const stream<std::string>& in) {
  const std::string job = "count-window-max";
  auto pairs = in.flat_map<named_int>([](const std::string& line, collector<named_int>& out) {
    auto fields = split_on_spaces(line);
    if (fields.size() < 2)
      return;
    if (auto n = to_int(fields[1]))
      out.collect(named_int{std::string{fields[0]}, *n});
  });
  // Parallelism 1 like the collection source (chained to it): each key's
  // records reach the count window in input order, which decides what a
  // window holds (a rebalance over parallel parsers would reorder them).
  pairs.name(job + "-parse").uid(job + "-parse").parallelism(1);
  auto maxima = pairs.key_by([](const named_int& x) { return x.name; })
                  .count_window(5)
                  .aggregate(max_aggregate{});
  return named_window(maxima, job);
}

stream<double_value> count_window_max(environment& env, std::vector<std::string> input) {
  return count_window_max(collection(env, std::move(input), "count-window-max"));
}

stream<double_value> count_window_average(const stream<std::string>& in) {
  const std::string job = "count-window-average";
  auto numbers = to_keyed_ints(in, job);
  numbers.parallelism(1); // in input order to the count window (count-window-max)
  auto averages = numbers.key_by([](const keyed_int& x) { return x.key; })
                    .count_window(3)
                    .process(count_average_window{});
  return named_window(averages, job);
}

stream<double_value> count_window_average(environment& env, std::vector<std::string> input) {
  return count_window_average(collection(env, std::move(input), "count-window-average"));
}

} // namespace sluice::apps
