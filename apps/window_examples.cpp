// The seed's window examples and window-stats (see apps/window_examples.hpp),
// written after the seed's Scala objects.
#include "apps/window_examples.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <optional>
#include <set>
#include <string_view>
#include <type_traits>
#include <utility>

#include "apps/state_examples.hpp"

using namespace std::chrono_literals;

namespace sluice::apps {

namespace {

// Records, accumulators and window elements can all be checkpointed.
static_assert(is_serializable_v<timed_line> && is_serializable_v<keyed_int>
              && is_serializable_v<named_int> && is_serializable_v<double_value>
              && is_serializable_v<url_view_stats> && is_serializable_v<word_count>);

/// Scala's `s.toInt`, nullopt where it would throw.
std::optional<int64_t> to_int(std::string_view s) {
  int32_t x = 0;
  auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), x);
  if (err != std::errc{} || end != s.data() + s.size())
    return std::nullopt;
  return x;
}

/// The tokens of `s` between single spaces (Scala's split(" ") without the
/// empty tokens of repeated spaces).
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

/// Event time from the line's timestamp; inputs ascend.
stream<timed_line> with_line_timestamps(const stream<timed_line>& in, const std::string& job) {
  auto strategy = watermark_strategy<timed_line>::for_monotonous_timestamps()
                    .with_timestamp_assigner([](const timed_line& x) { return x.timestamp; });
  auto out = in.assign_timestamps_and_watermarks(strategy);
  out.name(job + "-timestamps").uid(job + "-timestamps");
  return out;
}

/// The seed's `map(x => (1, x.toInt))`; lines that are no Int are skipped.
template <class T>
stream<keyed_int> to_keyed_ints(const stream<T>& in, const std::string& job) {
  auto out = in.template flat_map<keyed_int>([](const T& x, collector<keyed_int>& c) {
    std::string_view text;
    if constexpr (std::is_same_v<T, timed_line>)
      text = x.text;
    else
      text = x;
    if (auto n = to_int(text))
      c.collect(keyed_int{1, *n});
  });
  out.name(job + "-parse").uid(job + "-parse");
  return out;
}

/// Names and uids the window operator of `job`.
template <class T>
stream<T> named_window(stream<T> s, const std::string& job) {
  s.name(job + "-window").uid(job + "-window");
  return s;
}

template <class T>
stream<T> collection(environment& env, std::vector<T> input, const std::string& job) {
  auto src = env.from_collection(std::move(input));
  src.name(job + "-source").uid(job + "-source");
  return src;
}

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

/// window-stats: clicks and distinct users of one URL in one window.
class url_stats_window final
  : public process_window_function<std::string, event, url_view_stats, time_window> {
public:
  void process(const std::string& url, const window_context<time_window>& ctx,
               const std::vector<event>& elements, collector<url_view_stats>& out) override {
    std::set<std::string_view> users;
    for (auto& e : elements)
      users.insert(e.user);
    out.collect(url_view_stats{url, static_cast<int64_t>(elements.size()),
                               static_cast<int64_t>(users.size()), ctx.window.start,
                               ctx.window.end});
  }
};

} // namespace

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

stream<url_view_stats> window_stats(const stream<event>& clicks) {
  const std::string job = "window-stats";
  auto strategy = watermark_strategy<event>::for_bounded_out_of_orderness(2s)
                    .with_timestamp_assigner([](const event& e) { return e.timestamp; });
  auto timed = clicks.assign_timestamps_and_watermarks(strategy);
  timed.name(job + "-timestamps").uid(job + "-timestamps");
  auto stats = timed.key_by([](const event& e) { return e.url; })
                 .window(tumbling_event_time_windows::of(10s))
                 .process(url_stats_window{});
  return named_window(stats, job);
}

stream<url_view_stats> window_stats(environment& env, const click_source_options& opts) {
  auto clicks = env.click_events(opts);
  clicks.name("click-source").uid("click-source");
  return window_stats(clicks);
}

} // namespace sluice::apps
