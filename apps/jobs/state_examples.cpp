// The seed's keyed-state examples (see apps/jobs/state_examples.hpp): one keyed
// process function per state kind, written after the seed's Scala classes.
// This unit: the value-state and list-state examples, the inputs and the
// output formats; map and reducing state are in map_reducing_examples.cpp,
// aggregating state in aggregating_example.cpp (one unit each keeps their
// compile time down).
#include "apps/jobs/state_examples.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>
#include <utility>

#include "apps/jobs/state_example_support.hpp"

namespace sluice::apps {

using state_support::collection;
using state_support::keyed_example;

namespace {

/// The seed's ValueState[(Long, Double)]: how many values and their sum.
struct count_and_sum {
  int64_t count = 0;
  double sum = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, count_and_sum& x) {
  return f(caf::meta::type_name("count_and_sum"), x.count, x.sum);
}

// Every state and record type of the examples can be checkpointed.
static_assert(is_serializable_v<count_and_sum> && is_serializable_v<keyed_reading>
              && is_serializable_v<keyed_text>);

/// CountAverageWithValue.
class count_average_with_value final
  : public keyed_process_function<int64_t, keyed_reading, keyed_reading> {
public:
  void open(keyed_context<int64_t>& ctx) override {
    sum_ = &ctx.state(value_state_descriptor<count_and_sum>{"average"});
  }

  void process_element(const keyed_reading& in, keyed_context<int64_t>&,
                       collector<keyed_reading>& out) override {
    // Unset (null in Flink) reads as (0, 0).
    auto current = sum_->value_or(count_and_sum{});
    count_and_sum next{current.count + 1, current.sum + in.value};
    sum_->update(next);
    if (next.count >= 2)
      out.collect(keyed_reading{in.key, next.sum / static_cast<double>(next.count)});
    // The seed leaves `sum.clear()` commented out: the state is kept.
  }

private:
  value_state<count_and_sum>* sum_ = nullptr;
};

/// CountAverageWithList.
class count_average_with_list final
  : public keyed_process_function<int64_t, keyed_reading, keyed_reading> {
public:
  void open(keyed_context<int64_t>& ctx) override {
    elements_ = &ctx.state(list_state_descriptor<keyed_reading>{"listState"});
  }

  void process_element(const keyed_reading& in, keyed_context<int64_t>&,
                       collector<keyed_reading>& out) override {
    elements_->add(in);
    const auto& all = elements_->get();
    if (all.size() < 3)
      return;
    int64_t count = 0;
    double sum = 0;
    for (const auto& x : all) {
      ++count;
      sum += x.value;
    }
    out.collect(keyed_reading{in.key, sum / static_cast<double>(count)});
  }

private:
  list_state<keyed_reading>* elements_ = nullptr;
};

/// Appends `digits` ("d" or "d.ddd", from to_chars) as Java's mantissa:
/// at least one digit after the point.
void append_with_fraction(std::string& out, std::string_view digits) {
  out += digits;
  if (digits.find('.') == std::string_view::npos)
    out += ".0";
}

} // namespace

std::string scala_double(double x) {
  if (std::isnan(x))
    return "NaN";
  if (std::isinf(x))
    return x > 0 ? "Infinity" : "-Infinity";
  if (x == 0)
    return std::signbit(x) ? "-0.0" : "0.0";
  char buf[64];
  auto magnitude = std::fabs(x);
  std::string out;
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    auto end = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::fixed).ptr;
    append_with_fraction(out, std::string_view{buf, static_cast<size_t>(end - buf)});
    return out;
  }
  // "1.5e-04" -> mantissa "1.5", exponent "-04" -> "1.5E-4".
  auto end = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific).ptr;
  std::string_view s{buf, static_cast<size_t>(end - buf)};
  auto e = s.find('e');
  if (s.substr(0, e).find('.') == std::string_view::npos) {
    // One shortest digit: Java prints two, the closest pair that still
    // reads back as x ("4.9E-324" for the smallest subnormal, not "5.0E-324").
    char two[64];
    auto two_end = std::to_chars(two, two + sizeof two, x, std::chars_format::scientific, 1).ptr;
    double back = 0;
    std::from_chars(two, two_end, back);
    if (back == x) {
      std::copy(two, two_end, buf);
      s = std::string_view{buf, static_cast<size_t>(two_end - two)};
      e = s.find('e');
    }
  }
  append_with_fraction(out, s.substr(0, e));
  out += 'E';
  out += std::to_string(std::stoi(std::string{s.substr(e + 1)})); // "+07" -> "7"
  return out;
}

std::ostream& operator<<(std::ostream& os, const keyed_reading& x) {
  return os << '(' << x.key << ',' << scala_double(x.value) << ')';
}

std::ostream& operator<<(std::ostream& os, const keyed_text& x) {
  return os << '(' << x.key << ',' << x.text << ')';
}

std::vector<keyed_reading> value_state_input() {
  return {{1, 3}, {1, 5}, {1, 7}, {1, 4}, {1, 2}};
}

std::vector<keyed_reading> keyed_state_input() {
  return {{1, 3}, {1, 5}, {1, 7}, {2, 4}, {2, 2}, {2, 6}};
}

stream<keyed_reading> value_state_average(const stream<keyed_reading>& in) {
  return keyed_example(in, "value-state-average", count_average_with_value{});
}

stream<keyed_reading> value_state_average(environment& env, std::vector<keyed_reading> input) {
  return value_state_average(collection(env, std::move(input)));
}

stream<keyed_reading> list_state_average(const stream<keyed_reading>& in) {
  return keyed_example(in, "list-state-average", count_average_with_list{});
}

stream<keyed_reading> list_state_average(environment& env, std::vector<keyed_reading> input) {
  return list_state_average(collection(env, std::move(input)));
}

} // namespace sluice::apps
