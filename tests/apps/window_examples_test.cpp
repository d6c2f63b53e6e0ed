// The seed's window examples and window-stats (apps/jobs/window_examples.hpp) at
// parallelism 1 and 2, against reference computations over the same input
// written here (plain loops: windows by arithmetic on the timestamps, count
// windows by chunking each key's records), on the default inputs and on
// larger generated ones; and window-stats through the `sluice` command.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "apps/jobs/window_examples.hpp"
#include "tests/apps/process.hpp"
#include "tests/apps/reference.hpp"

using namespace std::chrono_literals;
using namespace sluice::test;
using sluice::apps::timed_line;

namespace {

template <class T>
std::string printed(const T& x) {
  std::ostringstream os;
  os << x;
  return os.str();
}

template <class T>
std::vector<std::string> printed_all(const std::vector<T>& xs) {
  std::vector<std::string> out;
  for (auto& x : xs)
    out.push_back(printed(x));
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> xs) {
  std::sort(xs.begin(), xs.end());
  return xs;
}

/// The whole number `n` as Scala prints a Double ("5.0", "-3.0").
std::string whole_double(int64_t n) {
  return std::to_string(n) + ".0";
}

/// Largest multiple of `step` not above `t` (any sign).
int64_t floor_to(int64_t t, int64_t step) {
  auto q = t / step;
  if (t % step != 0 && t < 0)
    --q;
  return q * step;
}

/// Scala's s.toInt, for the reference: digits with an optional '-', no
/// spaces, within Int.
bool parse_int(const std::string& s, int64_t& out) {
  static const std::regex number{"-?[0-9]{1,10}"};
  if (!std::regex_match(s, number))
    return false;
  auto v = std::stoll(s);
  if (v < INT32_MIN || v > INT32_MAX)
    return false;
  out = v;
  return true;
}

// --- references ------------------------------------------------------------------

/// One window's result for one key: what the job prints and when.
struct keyed_result {
  std::string key;
  int64_t window_start = 0;
  std::string line;
};

/// Per key, the printed lines in window order.
std::map<std::string, std::vector<std::string>>
per_key(const std::vector<keyed_result>& results) {
  auto copy = results;
  std::stable_sort(copy.begin(), copy.end(), [](auto& a, auto& b) {
    return a.window_start < b.window_start;
  });
  std::map<std::string, std::vector<std::string>> out;
  for (auto& r : copy)
    out[r.key].push_back(r.line);
  return out;
}

std::vector<std::string> lines_of_results(const std::vector<keyed_result>& results) {
  std::vector<std::string> out;
  for (auto& r : results)
    out.push_back(r.line);
  return out;
}

/// Word counts per sliding window (size 10 s, slide 5 s): a word of a line
/// at t is in every window [s, s + 10 s) with s a multiple of 5 s and
/// s <= t < s + 10 s. Words: maximal runs without a space.
std::vector<keyed_result> reference_sliding_word_count(const std::vector<timed_line>& in) {
  std::map<std::pair<int64_t, std::string>, int64_t> counts;
  for (auto& line : in) {
    std::istringstream words{line.text};
    std::string w;
    while (words >> w)
      for (auto s = floor_to(line.timestamp, 5000); s + 10000 > line.timestamp; s -= 5000)
        ++counts[{s, w}];
  }
  std::vector<keyed_result> out;
  for (auto& [k, n] : counts)
    out.push_back({k.second, k.first, "(" + k.second + "," + std::to_string(n) + ")"});
  return out;
}

/// Sums per tumbling 5 s window, key 1.
std::vector<keyed_result> reference_tumbling_sum(const std::vector<timed_line>& in) {
  std::map<int64_t, int64_t> sums;
  for (auto& line : in) {
    int64_t v = 0;
    if (parse_int(line.text, v))
      sums[floor_to(line.timestamp, 5000)] += v;
  }
  std::vector<keyed_result> out;
  for (auto& [start, sum] : sums)
    out.push_back({"1", start, "(1," + std::to_string(sum) + ")"});
  return out;
}

/// Per name, every full chunk of 5 values in input order -> max(0, values).
std::vector<std::string> reference_count_window_max(const std::vector<std::string>& in) {
  std::map<std::string, std::vector<int64_t>> pending;
  std::vector<std::string> out;
  for (auto& line : in) {
    std::istringstream fields{line};
    std::string name, value;
    int64_t v = 0;
    if (!(fields >> name >> value) || !parse_int(value, v))
      continue;
    auto& chunk = pending[name];
    chunk.push_back(v);
    if (chunk.size() == 5) {
      int64_t max = 0;
      for (auto x : chunk)
        max = std::max(max, x);
      out.push_back(whole_double(max));
      chunk.clear();
    }
  }
  return out;
}

/// Every full chunk of 3 numbers -> sum / 3 in integer arithmetic.
std::vector<std::string> reference_count_window_average(const std::vector<std::string>& in) {
  std::vector<int64_t> chunk;
  std::vector<std::string> out;
  for (auto& line : in) {
    int64_t v = 0;
    if (!parse_int(line, v))
      continue;
    chunk.push_back(v);
    if (chunk.size() == 3) {
      out.push_back(whole_double((chunk[0] + chunk[1] + chunk[2]) / 3));
      chunk.clear();
    }
  }
  return out;
}

/// Per URL and 10 s window of the generator's events: clicks, distinct users.
std::vector<keyed_result> reference_window_stats(const sluice::click_source_options& opts) {
  std::map<std::pair<std::string, int64_t>, std::pair<int64_t, std::set<std::string>>> stats;
  for (uint64_t i = 0; i < opts.count; ++i) {
    auto e = sluice::click_event_at(opts, i);
    auto& [views, users] = stats[{e.url, floor_to(e.timestamp, 10000)}];
    ++views;
    users.insert(e.user);
  }
  std::vector<keyed_result> out;
  for (auto& [k, v] : stats) {
    auto& [url, start] = k;
    out.push_back({url, start,
                   "url: " + url + ", views: " + std::to_string(v.first) + ", users: "
                     + std::to_string(v.second.size()) + ", window: [" + std::to_string(start)
                     + ", " + std::to_string(start + 10000) + ")"});
  }
  return out;
}

// --- generated inputs ------------------------------------------------------------

const std::vector<std::string> vocabulary = {"hello", "world", "flink", "sluice", "stream",
                                             "window", "a"};

/// Ascending timestamps (gaps of 0 .. 1.5 s, repeats included), 0 .. 4
/// words per line separated by one or two spaces.
std::vector<timed_line> generated_word_lines(uint32_t seed) {
  std::mt19937 rng{seed};
  std::vector<timed_line> out;
  int64_t t = 0;
  for (int i = 0; i < 250; ++i) {
    t += static_cast<int64_t>(rng() % 1500);
    std::string text;
    for (auto n = rng() % 5; n > 0; --n) {
      if (!text.empty())
        text += rng() % 4 == 0 ? "  " : " ";
      text += vocabulary[rng() % vocabulary.size()];
    }
    out.push_back({t, text});
  }
  return out;
}

/// Ascending timestamps, numbers from -100 to 100, a few lines that are no Int.
std::vector<timed_line> generated_number_lines(uint32_t seed) {
  std::mt19937 rng{seed};
  std::vector<timed_line> out;
  int64_t t = 0;
  for (int i = 0; i < 300; ++i) {
    t += static_cast<int64_t>(rng() % 2500);
    auto text = rng() % 25 == 0 ? std::string{"x1"} : std::to_string(int(rng() % 201) - 100);
    out.push_back({t, text});
  }
  return out;
}

/// "name value" lines over 6 names, values from -50 to 200 (whole windows of
/// negatives included), a few malformed lines.
std::vector<std::string> generated_named_values(uint32_t seed) {
  std::mt19937 rng{seed};
  std::vector<std::string> out;
  for (int i = 0; i < 400; ++i) {
    auto name = "k" + std::to_string(rng() % 6);
    auto r = rng() % 40;
    if (r == 0)
      out.push_back(name);
    else if (r == 1)
      out.push_back(name + " many");
    else if (name == "k5")
      out.push_back(name + " " + std::to_string(-int(rng() % 50) - 1));
    else
      out.push_back(name + " " + std::to_string(int(rng() % 251) - 50));
  }
  return out;
}

std::vector<std::string> generated_numbers(uint32_t seed) {
  std::mt19937 rng{seed};
  std::vector<std::string> out;
  for (int i = 0; i < 200; ++i)
    out.push_back(rng() % 30 == 0 ? std::string{"seven"}
                                  : std::to_string(int(rng() % 1001) - 500));
  return out;
}

// --- running the jobs ------------------------------------------------------------

/// Runs `build(env)` and returns the printed records.
template <class Build>
std::vector<std::string> run_job(Build build, uint32_t parallelism) {
  sluice::environment env;
  env.set_parallelism(parallelism);
  auto out = build(env).collect();
  auto result = env.execute("window-example");
  BOOST_REQUIRE_EQUAL(sluice::to_string(result.status), "finished");
  return printed_all(out->values());
}

/// The key of a printed "(key,n)" record.
std::string tuple_key(const std::string& line) {
  return line.substr(1, line.find(',') - 1);
}

/// A keyed windowed job equals the reference as a multiset and, per key,
/// in window order (windows of a key fire as the watermark passes them).
template <class Build>
void check_keyed(Build build, const std::vector<keyed_result>& expected,
                 std::string (*key_of)(const std::string&)) {
  for (uint32_t p : {1u, 2u}) {
    BOOST_TEST_CONTEXT("parallelism " << p) {
      auto got = run_job(build, p);
      BOOST_CHECK(sorted(got) == sorted(lines_of_results(expected)));
      std::map<std::string, std::vector<std::string>> got_per_key;
      for (auto& line : got)
        got_per_key[key_of(line)].push_back(line);
      BOOST_CHECK(got_per_key == per_key(expected));
    }
  }
}

/// A count-window job (its records carry no key): in input order at
/// parallelism 1, the same multiset at 2.
template <class Build>
void check_count_window(Build build, const std::vector<std::string>& expected) {
  BOOST_CHECK(run_job(build, 1) == expected);
  BOOST_CHECK(sorted(run_job(build, 2)) == sorted(expected));
}

std::string url_of(const std::string& line) {
  auto start = line.find("url: ") + 5;
  return line.substr(start, line.find(',', start) - start);
}

} // namespace

BOOST_AUTO_TEST_SUITE(window_examples)

BOOST_AUTO_TEST_CASE(records_print_like_the_seed_and_url_view_count) {
  using namespace sluice::apps;
  BOOST_CHECK_EQUAL(printed(keyed_int{1, 15}), "(1,15)");
  BOOST_CHECK_EQUAL(printed(named_int{"spark", 1}), "(spark,1)");
  BOOST_CHECK_EQUAL(printed(double_value{100}), "100.0");
  BOOST_CHECK_EQUAL(printed(double_value{8.5}), "8.5");
  BOOST_CHECK_EQUAL(printed(url_view_stats{"./home", 3, 2, 0, 10000}),
                    "url: ./home, views: 3, users: 2, window: [0, 10000)");
}

BOOST_AUTO_TEST_CASE(sliding_word_count_matches_the_reference) {
  auto seed = sluice::apps::sliding_word_count_input();
  auto expected = reference_sliding_word_count(seed);
  // "hello" at 1, 2, 6 and 12 s: windows [-5, 5), [0, 10), [5, 15), [10, 20).
  BOOST_CHECK(per_key(expected)["hello"]
              == (std::vector<std::string>{"(hello,2)", "(hello,3)", "(hello,2)", "(hello,1)"}));
  check_keyed([&](sluice::environment& env) { return sluice::apps::sliding_word_count(env, seed); },
              expected, tuple_key);
  auto generated = generated_word_lines(7);
  check_keyed(
    [&](sluice::environment& env) { return sluice::apps::sliding_word_count(env, generated); },
    reference_sliding_word_count(generated), tuple_key);
}

BOOST_AUTO_TEST_CASE(count_window_max_matches_the_reference) {
  auto seed = sluice::apps::count_window_max_input();
  auto expected = reference_count_window_max(seed);
  // spark's 5 values, hello's first 5; "hello 10" waits for 4 more.
  BOOST_CHECK(expected == (std::vector<std::string>{"5.0", "100.0"}));
  check_count_window(
    [&](sluice::environment& env) { return sluice::apps::count_window_max(env, seed); },
    expected);
  auto generated = generated_named_values(11);
  auto want = reference_count_window_max(generated);
  BOOST_CHECK(std::count(want.begin(), want.end(), "0.0") > 0); // k5: negatives only
  check_count_window(
    [&](sluice::environment& env) { return sluice::apps::count_window_max(env, generated); },
    want);
}

BOOST_AUTO_TEST_CASE(tumbling_sum_matches_the_reference) {
  auto seed = sluice::apps::tumbling_sum_input();
  auto expected = reference_tumbling_sum(seed);
  BOOST_CHECK(lines_of_results(expected)
              == (std::vector<std::string>{"(1,10)", "(1,18)", "(1,8)", "(1,9)"}));
  check_keyed([&](sluice::environment& env) { return sluice::apps::tumbling_sum(env, seed); },
              expected, tuple_key);
  auto generated = generated_number_lines(5);
  check_keyed(
    [&](sluice::environment& env) { return sluice::apps::tumbling_sum(env, generated); },
    reference_tumbling_sum(generated), tuple_key);
}

BOOST_AUTO_TEST_CASE(count_window_average_matches_the_reference) {
  auto seed = sluice::apps::count_window_average_input();
  auto expected = reference_count_window_average(seed);
  // (7 + 8 + 10) / 3 in Int arithmetic, as the seed's code; "12" never fires.
  BOOST_CHECK(expected == (std::vector<std::string>{"2.0", "5.0", "8.0"}));
  check_count_window(
    [&](sluice::environment& env) { return sluice::apps::count_window_average(env, seed); },
    expected);
  auto generated = generated_numbers(3);
  check_count_window(
    [&](sluice::environment& env) { return sluice::apps::count_window_average(env, generated); },
    reference_count_window_average(generated));
}

BOOST_AUTO_TEST_CASE(window_stats_matches_the_reference) {
  sluice::click_source_options opts;
  opts.count = 500;
  opts.users = 7;
  check_keyed([&](sluice::environment& env) { return sluice::apps::window_stats(env, opts); },
              reference_window_stats(opts), url_of);
  // Rate-limited: periodic watermarks fire windows while the parallel
  // source still runs; nothing may be late.
  opts.count = 120;
  opts.users = 0;
  opts.rate = 400;
  check_keyed([&](sluice::environment& env) { return sluice::apps::window_stats(env, opts); },
              reference_window_stats(opts), url_of);
}

BOOST_AUTO_TEST_CASE(sluice_run_window_stats_prints_the_reference) {
  temp_dir dir;
  // The CLI's generator defaults: 20 events at 10 per second, seed 42.
  sluice::click_source_options opts;
  opts.count = 20;
  opts.rate = 10;
  auto expected = reference_window_stats(opts);
  auto r = run({build_path("apps/sluice"), "run", "window-stats", "-p", "2"}, dir.path(), 60s);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  BOOST_CHECK(r.err.find("job finished") != std::string::npos);
  std::vector<std::string> got;
  std::map<std::string, std::vector<std::string>> got_per_url;
  for (auto& line : lines_of(r.out)) {
    BOOST_CHECK_MESSAGE(line.rfind("1> ", 0) == 0 || line.rfind("2> ", 0) == 0, line);
    auto record = strip_subtask_prefix(line);
    got.push_back(record);
    got_per_url[url_of(record)].push_back(record);
  }
  BOOST_CHECK(sorted(got) == sorted(lines_of_results(expected)));
  BOOST_CHECK(got_per_url == per_key(expected));
  BOOST_CHECK(r.out.find(", window: [1700000000000, 1700000010000)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(sluice_help_lists_the_window_example_jobs) {
  temp_dir dir;
  auto r = run({build_path("apps/sluice"), "--help"}, dir.path(), 30s);
  BOOST_CHECK_EQUAL(r.exit_code, 0);
  for (auto job : {"sliding-word-count", "count-window-max", "tumbling-sum",
                   "count-window-average", "window-stats"})
    BOOST_CHECK_MESSAGE(r.out.find(job) != std::string::npos, "--help lacks " << job);
}

BOOST_AUTO_TEST_SUITE_END()
