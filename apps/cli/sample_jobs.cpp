#include "apps/cli/sample_jobs.hpp"
#include "apps/cli/sample_output.hpp"

#include <filesystem>
#include <memory>
#include <utility>
#include <vector>

#include "apps/jobs/click_counts.hpp"
#include "apps/jobs/line_source.hpp"
#include "apps/jobs/state_examples.hpp"
#include "apps/jobs/window_examples.hpp"
#include "apps/jobs/word_count.hpp"
#include "operators/environment.hpp"
#include "operators/file_source.hpp"
#include "operators/transactional_file_sink.hpp"

namespace sluice::apps {

const char* const sample_jobs_usage
  = "usage: sluice run <job> [options]   (options may also come before <job>)\n"
    "jobs:\n"
    "  click-counts   per-user visit counts from the click generator (generator.*)\n"
    "  word-count     running count per word of the lines of --input FILE or stdin\n"
    "keyed-state examples (the seed's fixed (key, value) input; state kind in the name):\n"
    "  value-state-average         running average per key from its 2nd value on\n"
    "  list-state-average          average per key once it has 3 or more values\n"
    "  map-state-average           the same, values kept in a map\n"
    "  reducing-state-sum          running sum per key, printed divided by the count\n"
    "  aggregating-state-contains  per key \"Contains-3.0-5.0-...\" of its values\n"
    "window examples (the seed's windows over a fixed timestamped input; window-stats:\n"
    "the click generator, generator.*):\n"
    "  sliding-word-count    word counts of the last 10 s, every 5 s (event time)\n"
    "  count-window-max      per key, the max of every 5 values\n"
    "  tumbling-sum          the sum of every 5 s (event time)\n"
    "  count-window-average  the average of every 3 values\n"
    "  window-stats          per URL and 10 s window: clicks and distinct users\n"
    "  (fixed inputs: examples.repeat, examples.rate make them longer and slower)\n"
    "fault tolerance:\n"
    "  consistency-levels  the same visit count under at-most-once, at-least-once and\n"
    "                      exactly-once with the same injected kills (--inject-failures,\n"
    "                      default seed=1,kills=3): expected vs observed per user\n"
    "every job but consistency-levels: --output DIR writes its results exactly once\n";

namespace {

/// Shift of the timestamps of each repetition of a timestamped input.
constexpr int64_t repeat_shift_ms = 100000;

/// `xs` `n` times over.
template <class T>
std::vector<T> repeated(const std::vector<T>& xs, uint64_t n) {
  std::vector<T> out;
  out.reserve(xs.size() * n);
  for (uint64_t k = 0; k < n; ++k)
    out.insert(out.end(), xs.begin(), xs.end());
  return out;
}

/// A timestamped input `n` times over, repetition k shifted by k * 100 s.
std::vector<timed_line> repeated(const std::vector<timed_line>& xs, uint64_t n) {
  std::vector<timed_line> out;
  out.reserve(xs.size() * n);
  for (uint64_t k = 0; k < n; ++k)
    for (auto x : xs) {
      x.timestamp += static_cast<int64_t>(k) * repeat_shift_ms;
      out.push_back(std::move(x));
    }
  return out;
}

/// A fixed-input example's source: its input repeated, paced, with the
/// name and uid the examples always had.
template <class T>
stream<T> example_source(environment& env, const std::vector<T>& input,
                         const sample_options& opts, const std::string& uid) {
  auto src = env.from_collection(repeated(input, opts.repeat), opts.rate);
  src.name(uid).uid(uid);
  return src;
}

stream<std::string> word_count_lines(environment& env, const std::string& input) {
  if (input.empty() || input == "-") {
    auto lines = env.add_source<std::string>(
      "stdin", [] { return std::make_unique<line_source>("-"); }, 1);
    lines.uid("line-source");
    return lines;
  }
  file_source_options fs;
  fs.path = input;
  return read_text_file(env, fs, 1);
}

} // namespace

int build_sample_job(const std::string& job, const sample_options& opts, environment& env,
                     std::ostream& err) {
  if (auto rc = check_sample_options(opts, err); rc != 0)
    return rc;
  auto& out = opts.output;
  // The fixed inputs' sources: named and uid'd as the examples always were.
  auto state_input = [&](const std::vector<keyed_reading>& input) {
    return example_source(env, input, opts, "collection-source");
  };
  auto window_input = [&](const auto& input) {
    return example_source(env, input, opts, job + "-source");
  };
  if (job == "click-counts") {
    emit(click_counts(env, opts.generator), out);
  } else if (job == "word-count") {
    if (auto why = check_input_file(opts.input); !why.empty())
      return refuse(err, "missing_input", why);
    emit(word_counts(word_count_lines(env, opts.input)), out);
  } else if (job == "value-state-average") {
    emit(value_state_average(state_input(value_state_input())), out);
  } else if (job == "list-state-average") {
    emit(list_state_average(state_input(keyed_state_input())), out);
  } else if (job == "map-state-average") {
    emit(map_state_average(state_input(keyed_state_input())), out);
  } else if (job == "reducing-state-sum") {
    emit(reducing_state_sum(state_input(keyed_state_input())), out);
  } else if (job == "aggregating-state-contains") {
    emit(aggregating_state_contains(state_input(keyed_state_input())), out);
  } else if (job == "sliding-word-count") {
    emit(sliding_word_count(window_input(sliding_word_count_input())), out);
  } else if (job == "count-window-max") {
    emit(count_window_max(window_input(count_window_max_input())), out);
  } else if (job == "tumbling-sum") {
    emit(tumbling_sum(window_input(tumbling_sum_input())), out);
  } else if (job == "count-window-average") {
    emit(count_window_average(window_input(count_window_average_input())), out);
  } else if (job == "window-stats") {
    emit(window_stats(env, opts.generator), out);
  } else {
    err << "sluice: unknown job '" << job << "'\n" << sample_jobs_usage;
    return 2;
  }
  return 0;
}

} // namespace sluice::apps
