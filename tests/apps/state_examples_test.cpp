// The seed's keyed-state examples (apps/jobs/state_examples.hpp) at parallelism 1
// and 2, against plain reference loops over the same input written here, on
// the seed's input and on a larger generated one; and one of them through
// the `sluice` command.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "apps/jobs/state_examples.hpp"
#include "tests/apps/process.hpp"
#include "tests/apps/reference.hpp"

using namespace std::chrono_literals;

namespace state_examples_test {

using namespace sluice::test;
using sluice::apps::keyed_reading;
using sluice::apps::keyed_text;

namespace {

using readings = std::vector<keyed_reading>;

template <class T>
std::string printed(const T& x) {
  std::ostringstream os;
  os << x;
  return os.str();
}

/// Printed records per key, in output order.
template <class T>
std::map<int64_t, std::vector<std::string>> by_key(const std::vector<T>& xs) {
  std::map<int64_t, std::vector<std::string>> result;
  for (auto& x : xs)
    result[x.key].push_back(printed(x));
  return result;
}

/// All printed records, sorted (a multiset).
template <class T>
std::vector<std::string> sorted_lines(const std::vector<T>& xs) {
  std::vector<std::string> result;
  for (auto& x : xs)
    result.push_back(printed(x));
  std::sort(result.begin(), result.end());
  return result;
}

/// Runs `build(env, input)` at parallelism 1 and 2 and checks that the
/// output equals `expected` as a multiset and, per key, in order.
template <class Build, class T>
void check_example(Build build, const readings& input, const std::vector<T>& expected) {
  for (uint32_t p : {1u, 2u}) {
    BOOST_TEST_CONTEXT("parallelism " << p << ", " << input.size() << " records") {
      sluice::environment env;
      env.set_parallelism(p);
      auto out = build(env, input).collect();
      auto result = env.execute("state-example");
      BOOST_REQUIRE_EQUAL(sluice::to_string(result.status), "finished");
      auto actual = out->values();
      BOOST_CHECK(sorted_lines(actual) == sorted_lines(expected));
      auto got = by_key(actual);
      auto want = by_key(expected);
      BOOST_CHECK_EQUAL(got.size(), want.size());
      for (auto& [key, lines] : want)
        BOOST_CHECK_MESSAGE(got[key] == lines, "output of key " << key << " differs");
    }
  }
}

/// Many keys (so that parallelism 2 splits them), small integer values.
readings generated_input() {
  readings result;
  for (int64_t i = 0; i < 300; ++i)
    result.push_back({(i * 7) % 11, static_cast<double>((i * 13) % 10)});
  return result;
}

// --- reference loops: the seed's Scala flatMap bodies, over a plain map ----

readings reference_value_average(const readings& in) {
  std::map<int64_t, std::pair<int64_t, double>> state;
  readings out;
  for (auto& r : in) {
    auto& [count, sum] = state[r.key];
    count += 1;
    sum += r.value;
    if (count >= 2)
      out.push_back({r.key, sum / static_cast<double>(count)});
  }
  return out;
}

/// The list and map examples: average of all values once there are >= 3.
readings reference_average_from_third(const readings& in) {
  std::map<int64_t, std::vector<double>> state;
  readings out;
  for (auto& r : in) {
    auto& values = state[r.key];
    values.push_back(r.value);
    if (values.size() >= 3) {
      double sum = 0;
      for (double v : values)
        sum += v;
      out.push_back({r.key, sum / static_cast<double>(values.size())});
    }
  }
  return out;
}

readings reference_reducing(const readings& in) {
  std::map<int64_t, double> sums;
  std::map<int64_t, int64_t> counts;
  readings out;
  for (auto& r : in) {
    sums[r.key] += r.value;
    counts[r.key] += 1;
    out.push_back({r.key, sums[r.key] / static_cast<double>(counts[r.key])});
  }
  return out;
}

/// Scala's "" + d for the whole numbers of these inputs ("3.0").
std::string whole_double(double d) {
  BOOST_REQUIRE(d == std::floor(d) && std::fabs(d) < 1e7);
  return std::to_string(static_cast<int64_t>(d)) + ".0";
}

std::vector<keyed_text> reference_contains(const readings& in) {
  std::map<int64_t, std::string> acc;
  std::vector<keyed_text> out;
  for (auto& r : in) {
    auto it = acc.try_emplace(r.key, "Contains").first;
    it->second += "-" + whole_double(r.value);
    out.push_back({r.key, it->second});
  }
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(state_examples)

BOOST_AUTO_TEST_CASE(scala_double_prints_like_java_double_to_string) {
  using sluice::apps::scala_double;
  // Expected strings: Java 19+ Double.toString.
  BOOST_CHECK_EQUAL(scala_double(4.0), "4.0");
  BOOST_CHECK_EQUAL(scala_double(4.75), "4.75");
  BOOST_CHECK_EQUAL(scala_double(21.0 / 5), "4.2");
  BOOST_CHECK_EQUAL(scala_double(-3.5), "-3.5");
  BOOST_CHECK_EQUAL(scala_double(0.1 + 0.2), "0.30000000000000004");
  BOOST_CHECK_EQUAL(scala_double(0.001), "0.001");
  BOOST_CHECK_EQUAL(scala_double(0.0001), "1.0E-4");
  BOOST_CHECK_EQUAL(scala_double(9999999.0), "9999999.0");
  BOOST_CHECK_EQUAL(scala_double(1e7), "1.0E7");
  BOOST_CHECK_EQUAL(scala_double(12345678.9), "1.23456789E7");
  BOOST_CHECK_EQUAL(scala_double(-1.5e-5), "-1.5E-5");
  BOOST_CHECK_EQUAL(scala_double(1e21), "1.0E21");
  BOOST_CHECK_EQUAL(scala_double(std::numeric_limits<double>::max()), "1.7976931348623157E308");
  BOOST_CHECK_EQUAL(scala_double(std::numeric_limits<double>::denorm_min()), "4.9E-324");
  BOOST_CHECK_EQUAL(scala_double(0.0), "0.0");
  BOOST_CHECK_EQUAL(scala_double(-0.0), "-0.0");
  BOOST_CHECK_EQUAL(scala_double(std::nan("")), "NaN");
  BOOST_CHECK_EQUAL(scala_double(-std::numeric_limits<double>::infinity()), "-Infinity");
  BOOST_CHECK_EQUAL(printed(keyed_reading{1, 4.0}), "(1,4.0)");
  BOOST_CHECK_EQUAL(printed(keyed_text{2, "Contains-4.0"}), "(2,Contains-4.0)");
}

BOOST_AUTO_TEST_CASE(value_state_average_matches_the_reference) {
  auto build = [](sluice::environment& env, const readings& in) {
    return sluice::apps::value_state_average(env, in);
  };
  auto seed = sluice::apps::value_state_input();
  BOOST_CHECK_EQUAL(seed.size(), 5u);
  auto expected = reference_value_average(seed);
  // No clear(): a running average from the second record on.
  BOOST_CHECK(sorted_lines(expected)
              == (std::vector<std::string>{"(1,4.0)", "(1,4.2)", "(1,4.75)", "(1,5.0)"}));
  check_example(build, seed, expected);
  check_example(build, generated_input(), reference_value_average(generated_input()));
}

BOOST_AUTO_TEST_CASE(list_state_average_matches_the_reference) {
  auto build = [](sluice::environment& env, const readings& in) {
    return sluice::apps::list_state_average(env, in);
  };
  auto seed = sluice::apps::keyed_state_input();
  auto expected = reference_average_from_third(seed);
  BOOST_CHECK(sorted_lines(expected) == (std::vector<std::string>{"(1,5.0)", "(2,4.0)"}));
  check_example(build, seed, expected);
  check_example(build, generated_input(), reference_average_from_third(generated_input()));
}

BOOST_AUTO_TEST_CASE(map_state_average_matches_the_reference) {
  auto build = [](sluice::environment& env, const readings& in) {
    return sluice::apps::map_state_average(env, in);
  };
  auto seed = sluice::apps::keyed_state_input();
  check_example(build, seed, reference_average_from_third(seed));
  check_example(build, generated_input(), reference_average_from_third(generated_input()));
}

BOOST_AUTO_TEST_CASE(reducing_state_sum_matches_the_reference) {
  auto build = [](sluice::environment& env, const readings& in) {
    return sluice::apps::reducing_state_sum(env, in);
  };
  auto seed = sluice::apps::keyed_state_input();
  auto expected = reference_reducing(seed);
  BOOST_CHECK(by_key(expected)[2] == (std::vector<std::string>{"(2,4.0)", "(2,3.0)", "(2,4.0)"}));
  check_example(build, seed, expected);
  check_example(build, generated_input(), reference_reducing(generated_input()));
}

BOOST_AUTO_TEST_CASE(aggregating_state_contains_matches_the_reference) {
  auto build = [](sluice::environment& env, const readings& in) {
    return sluice::apps::aggregating_state_contains(env, in);
  };
  auto seed = sluice::apps::keyed_state_input();
  auto expected = reference_contains(seed);
  // The seed's comment names the key-1 aggregate "Contains-3-5-7"; its code
  // appends Doubles, which Scala prints as "3.0".
  auto key1 = by_key(expected)[1];
  BOOST_REQUIRE_EQUAL(key1.size(), 3u);
  BOOST_CHECK_EQUAL(key1.back(), "(1,Contains-3.0-5.0-7.0)");
  auto without_fraction = key1.back();
  for (auto pos = without_fraction.find(".0"); pos != std::string::npos;
       pos = without_fraction.find(".0"))
    without_fraction.erase(pos, 2);
  BOOST_CHECK_EQUAL(without_fraction, "(1,Contains-3-5-7)");
  check_example(build, seed, expected);
  check_example(build, generated_input(), reference_contains(generated_input()));
}

BOOST_AUTO_TEST_CASE(sluice_run_aggregating_state_contains_prints_the_seeds_output) {
  temp_dir dir;
  auto expected = reference_contains(sluice::apps::keyed_state_input());
  std::string want;
  for (auto& x : expected)
    want += printed(x) + "\n";
  // Parallelism 1: one subtask, the source's order, no "i> " prefix.
  auto r = run({build_path("apps/sluice"), "run", "aggregating-state-contains", "-p", "1"},
               dir.path(), 30s);
  BOOST_REQUIRE_EQUAL(r.exit_code, 0);
  BOOST_CHECK(r.err.find("job finished") != std::string::npos);
  BOOST_CHECK_EQUAL(r.out, want);
  BOOST_CHECK(r.out.find("(1,Contains-3.0-5.0-7.0)\n") != std::string::npos);
  // Parallelism 2: Flink's "i> " prefixes; per key in order.
  auto r2 = run({build_path("apps/sluice"), "run", "aggregating-state-contains", "-p", "2"},
                dir.path(), 30s);
  BOOST_REQUIRE_EQUAL(r2.exit_code, 0);
  std::map<std::string, std::vector<std::string>> got;
  std::vector<std::string> all;
  for (auto& line : lines_of(r2.out)) {
    BOOST_CHECK_MESSAGE(line.rfind("1> ", 0) == 0 || line.rfind("2> ", 0) == 0, line);
    auto record = strip_subtask_prefix(line);
    got[record.substr(0, record.find(','))].push_back(record);
    all.push_back(record);
  }
  std::sort(all.begin(), all.end());
  BOOST_CHECK(all == sorted_lines(expected));
  for (auto& [key, lines] : by_key(expected))
    BOOST_CHECK(got["(" + std::to_string(key)] == lines);
}

BOOST_AUTO_TEST_CASE(sluice_help_lists_the_state_example_jobs) {
  temp_dir dir;
  auto r = run({build_path("apps/sluice"), "--help"}, dir.path(), 30s);
  BOOST_CHECK_EQUAL(r.exit_code, 0);
  for (auto job : {"value-state-average", "list-state-average", "map-state-average",
                   "reducing-state-sum", "aggregating-state-contains"})
    BOOST_CHECK_MESSAGE(r.out.find(job) != std::string::npos, "--help lacks " << job);
}

// The same job on the lmdb backend prints the same; its LMDB working
// directory (<local-dir>/<job-id>/<uid>-<subtask>-<attempt>) is gone after.
BOOST_AUTO_TEST_CASE(sluice_run_on_the_lmdb_backend_prints_the_same) {
  temp_dir dir;
  auto heap = run({build_path("apps/sluice"), "run", "aggregating-state-contains", "-p", "1"},
                  dir.path(), 30s);
  BOOST_REQUIRE_EQUAL(heap.exit_code, 0);
  auto local = dir.path() / "lmdb";
  auto lmdb = run({build_path("apps/sluice"), "run", "aggregating-state-contains", "-p", "1",
                   "--state.backend=lmdb", "--state.local-dir=" + local.string()},
                  dir.path(), 30s);
  BOOST_REQUIRE_MESSAGE(lmdb.exit_code == 0, lmdb.err);
  BOOST_CHECK_EQUAL(lmdb.out, heap.out);
  BOOST_REQUIRE(std::filesystem::exists(local)); // the backend really worked there
  size_t jobs = 0;
  for (auto& job : std::filesystem::directory_iterator{local}) {
    ++jobs;
    BOOST_CHECK_MESSAGE(std::filesystem::is_empty(job.path()),
                        job.path() << " still holds a working directory");
  }
  BOOST_CHECK_EQUAL(jobs, 1u);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace state_examples_test
