// The seed's sliding-window example (sliding-word-count), the examples'
// inputs and output formats, and what the window examples share
// (apps/jobs/window_example_support.hpp). tumbling-sum is in
// tumbling_sum.cpp, the count-window examples in count_windows.cpp,
// window-stats in window_stats.cpp: a unit per window operator keeps each
// unit's compile time down.
#include "apps/jobs/window_examples.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <optional>
#include <string_view>
#include <utility>

#include "apps/jobs/state_examples.hpp"
#include "apps/jobs/window_example_support.hpp"

using namespace std::chrono_literals;

namespace sluice::apps {

// Records, accumulators and window elements can all be checkpointed.
static_assert(is_serializable_v<timed_line> && is_serializable_v<keyed_int>
              && is_serializable_v<named_int> && is_serializable_v<double_value>
              && is_serializable_v<url_view_stats> && is_serializable_v<word_count>);

namespace window_support {

std::optional<int64_t> to_int(std::string_view s) {
  int32_t x = 0;
  auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), x);
  if (err != std::errc{} || end != s.data() + s.size())
    return std::nullopt;
  return x;
}

std::vector<std::string_view> split_on_spaces(std::string_view s) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    auto next = std::min(s.find(' ', pos), s.size());
    if (next > pos)
      out.push_back(s.substr(pos, next - pos));
    pos = next + 1;
  }
  return out;
}

stream<timed_line> with_line_timestamps(const stream<timed_line>& in, const std::string& job) {
  auto strategy = watermark_strategy<timed_line>::for_monotonous_timestamps()
                    .with_timestamp_assigner([](const timed_line& x) { return x.timestamp; });
  auto out = in.assign_timestamps_and_watermarks(strategy);
  out.name(job + "-timestamps").uid(job + "-timestamps");
  return out;
}

} // namespace window_support

using window_support::collection;
using window_support::named_window;
using window_support::split_on_spaces;
using window_support::with_line_timestamps;

std::ostream& operator<<(std::ostream& os, const keyed_int& x) {
  return os << '(' << x.key << ',' << x.value << ')';
}

std::ostream& operator<<(std::ostream& os, const named_int& x) {
  return os << '(' << x.name << ',' << x.value << ')';
}

std::ostream& operator<<(std::ostream& os, const double_value& x) {
  return os << scala_double(x.value);
}

std::ostream& operator<<(std::ostream& os, const url_view_stats& x) {
  return os << "url: " << x.url << ", views: " << x.views << ", users: " << x.users
            << ", window: [" << x.window_start << ", " << x.window_end << ')';
}

std::vector<timed_line> sliding_word_count_input() {
  return {{1000, "hello world"}, {2000, "hello flink"},   {4000, "flink sluice"},
          {6000, "hello"},       {9000, "world  world"},  {12000, "hello sluice"},
          {17000, "flink"}};
}

std::vector<std::string> count_window_max_input() {
  return {"spark 1",  "spark 2",  "spark 3",  "spark 4",  "spark 5",  "hello 100",
          "hello 90", "hello 80", "hello 70", "hello 60", "hello 10"};
}

std::vector<timed_line> tumbling_sum_input() {
  return {{500, "1"},  {1500, "2"}, {3000, "3"},  {4999, "4"}, {5000, "5"},
          {7000, "6"}, {9999, "7"}, {12000, "8"}, {22000, "9"}};
}

std::vector<std::string> count_window_average_input() {
  return {"1", "2", "3", "4", "5", "6", "7", "8", "10", "12"};
}

stream<word_count> sliding_word_count(const stream<timed_line>& in) {
  const std::string job = "sliding-word-count";
  auto lines = with_line_timestamps(in, job);
  auto words = lines.flat_map<word_count>([](const timed_line& line,
                                             collector<word_count>& out) {
    for (auto w : split_on_spaces(line.text))
      out.collect(word_count{std::string{w}, 1});
  });
  words.name(job + "-tokenizer").uid(job + "-tokenizer");
  auto counts = words.key_by([](const word_count& x) { return x.word; })
                  .window(sliding_event_time_windows::of(10s, 5s))
                  .reduce([](const word_count& a, const word_count& b) {
                    return word_count{a.word, a.count + b.count};
                  });
  return named_window(counts, job);
}

stream<word_count> sliding_word_count(environment& env, std::vector<timed_line> input) {
  return sliding_word_count(collection(env, std::move(input), "sliding-word-count"));
}

} // namespace sluice::apps
