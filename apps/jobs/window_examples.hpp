// The window examples of the seed article (003, section 7 "Flink的窗口"),
// plus `window-stats` over the click generator. The functions below add a
// job's operators to an environment and return its output stream (the
// caller adds the sink: `print` in the CLI, `collect` in tests); `sluice run
// <job>` runs them:
//
//   job                    seed object          what it computes
//   sliding-word-count     TestTimeWindow       every 5 s, the word counts of
//                                               the last 10 s: timeWindow(10 s, 5 s)
//   count-window-max       TestCountWindow      per key, the max of every 5
//                                               records: countWindow(5).aggregate
//   tumbling-sum           FlinkTimeCount       the sum of every 5 s:
//                                               timeWindow(5 s).reduce
//   count-window-average   FlinkCountWindowAvg  the average of every 3 records:
//                                               countWindow(3).process
//   window-stats           (Flink's UrlViewCount examples) per URL and 10 s
//                          event-time window: clicks and distinct users
//
// Where the samples depart from the seed, and why:
// - Input. The seeds read `socketTextStream("node01", 9999)`; these jobs read
//   a fixed collection (from_collection, parallelism 1) so that `sluice run`
//   prints the same every time. The count-window inputs are the lines the
//   seed says to type; the time-window inputs carry an event timestamp per
//   line (`timed_line`), chosen in this file (see each *_input()).
// - Time. The seed's timeWindow is processing time (Flink's default then).
//   Over a collection that is read in microseconds, processing-time windows
//   would put every record into one window or none, depending on the clock,
//   and pending processing-time windows do not fire at end of input (as in
//   Flink): the output would not be reproducible, often empty. So the
//   time-window examples use event time: tumbling_event_time_windows /
//   sliding_event_time_windows over the lines' timestamps, with
//   for_monotonous_timestamps (the inputs ascend); the end of input fires
//   the last windows.
// - `timeWindow(...).sum(1)` is a window reduce adding the counts (the
//   same result; sluice's windowed streams have reduce, aggregate and
//   process). `keyBy(0)` is a key function on the tuple's first field.
// - Words: the seed's `split(" ")`; empty tokens (two spaces in a row) are
//   skipped instead of being counted as the word "".
// - The seed's averages follow its code, not its prose: FlinkCountWindowAvg
//   divides two Ints (`countNum/totalNum`), so 7, 8, 10 average to 8.0,
//   not 8.33; TestCountWindow's accumulator starts at 0, so a window of
//   negative values has the max 0.0.
// - Output is the seed's `print()`: Scala tuples "(hello,2)" and Doubles
//   "5.0" (Java's Double.toString, scala_double); at parallelism > 1 every
//   line starts with the print subtask "i> ", as in Flink. The seed prints
//   no window bounds, so neither do these four jobs; `window-stats` does.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "apps/jobs/word_count.hpp"
#include "operators/environment.hpp"

namespace sluice::apps {

/// A line of text with its event timestamp (ms): what the time-window
/// examples read instead of a socket line arriving at that time.
struct timed_line {
  int64_t timestamp = 0;
  std::string text;

  friend bool operator==(const timed_line&, const timed_line&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, timed_line& x) {
  return f(caf::meta::type_name("timed_line"), x.timestamp, x.text);
}

/// A Scala (Int, Int) tuple: the seed's `(1, x.toInt)`.
struct keyed_int {
  int64_t key = 0;
  int64_t value = 0;

  friend bool operator==(const keyed_int&, const keyed_int&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, keyed_int& x) {
  return f(caf::meta::type_name("keyed_int"), x.key, x.value);
}

/// A Scala (String, Int) tuple: the seed's `("spark", 1)`.
struct named_int {
  std::string name;
  int64_t value = 0;

  friend bool operator==(const named_int&, const named_int&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, named_int& x) {
  return f(caf::meta::type_name("named_int"), x.name, x.value);
}

/// A Scala Double result, printed as Java's Double.toString ("5.0").
struct double_value {
  double value = 0;

  friend bool operator==(const double_value&, const double_value&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, double_value& x) {
  return f(caf::meta::type_name("double_value"), x.value);
}

/// What window-stats emits per URL and window (Flink's UrlViewCount plus
/// the number of distinct users).
struct url_view_stats {
  std::string url;
  int64_t views = 0;
  int64_t users = 0;
  int64_t window_start = 0;
  int64_t window_end = 0;

  friend bool operator==(const url_view_stats&, const url_view_stats&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, url_view_stats& x) {
  return f(caf::meta::type_name("url_view_stats"), x.url, x.views, x.users, x.window_start,
           x.window_end);
}

/// "(1,15)".
std::ostream& operator<<(std::ostream& os, const keyed_int& x);

/// "(spark,1)".
std::ostream& operator<<(std::ostream& os, const named_int& x);

/// "5.0" (scala_double).
std::ostream& operator<<(std::ostream& os, const double_value& x);

/// "url: ./home, views: 3, users: 2, window: [1700000000000, 1700000010000)".
std::ostream& operator<<(std::ostream& os, const url_view_stats& x);

// --- inputs ------------------------------------------------------------------

/// Words over 0..17 s (ascending timestamps), e.g. {1000, "hello world"}.
std::vector<timed_line> sliding_word_count_input();

/// The lines the seed types for TestCountWindow: "spark 1" .. "spark 5",
/// "hello 100", "hello 90" .. "hello 60", "hello 10".
std::vector<std::string> count_window_max_input();

/// Numbers over 0..22 s (ascending timestamps), e.g. {500, "1"}.
std::vector<timed_line> tumbling_sum_input();

/// The seed's "1" .. "6", then "7", "8", "10" (shows the Int division) and
/// "12" (a window that never fills, so never fires).
std::vector<std::string> count_window_average_input();

// --- the examples --------------------------------------------------------------
// The environment overloads read `input` with `from_collection` and default
// to the inputs above; the stream overloads take the source's stream. Every
// operator is named and uid'd after its job ("sliding-word-count-window").
// Lines that do not parse (a missing or non-numeric value) are skipped. The
// count-window examples parse at parallelism 1, so that every key's records
// reach its count window in input order (what a count window holds depends
// on it); the windows run at the environment's parallelism.

/// TestTimeWindow: lines -> words (split on ' ') -> (word, 1) ->
/// key_by(word) -> sliding_event_time_windows::of(10 s, 5 s) -> sum of the
/// counts: one (word,n) per word and window it occurs in.
stream<word_count> sliding_word_count(const stream<timed_line>& in);
stream<word_count> sliding_word_count(environment& env,
                                      std::vector<timed_line> input
                                      = sliding_word_count_input());

/// TestCountWindow: "name value" -> (name, value) -> key_by(name) ->
/// count_window(5) -> aggregate max (accumulator from 0) as a Double: one
/// result per 5 records of a name; 5.0 and 100.0 for the seed's input.
stream<double_value> count_window_max(const stream<std::string>& in);
stream<double_value> count_window_max(environment& env,
                                      std::vector<std::string> input
                                      = count_window_max_input());

/// FlinkTimeCount: "n" -> (1, n) -> key_by(1) ->
/// tumbling_event_time_windows::of(5 s) -> reduce (c1._1, c1._2 + c2._2):
/// the sum of every 5 s window that has numbers.
stream<keyed_int> tumbling_sum(const stream<timed_line>& in);
stream<keyed_int> tumbling_sum(environment& env,
                               std::vector<timed_line> input = tumbling_sum_input());

/// FlinkCountWindowAvg: "n" -> (1, n) -> key_by(1) -> count_window(3) ->
/// process: sum / count in Int arithmetic, as a Double: 2.0, 5.0, 8.0 for
/// the default input.
stream<double_value> count_window_average(const stream<std::string>& in);
stream<double_value> count_window_average(environment& env,
                                          std::vector<std::string> input
                                          = count_window_average_input());

/// Clicks -> timestamps from event::timestamp, watermarks with 2 s bounded
/// out-of-orderness -> key_by(url) -> tumbling_event_time_windows::of(10 s)
/// -> process: per URL and window, the clicks and the distinct users. The
/// environment overload reads `env.click_events(opts)` (uid "click-source").
stream<url_view_stats> window_stats(const stream<event>& clicks);
stream<url_view_stats> window_stats(environment& env, const click_source_options& opts);

} // namespace sluice::apps
