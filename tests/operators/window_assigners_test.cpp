// Window assigners and merging_window_set (operators/windows/
// window_assigners.hpp) against brute-force references: every assigner
// returns exactly the windows k * slide + offset that contain ts (negative
// timestamps and offsets included, latest start first); bad parameters
// fail with ec::invalid_argument naming the parameter; random out-of-order
// session events merged through merging_window_set (with state simulated
// under state windows, moved only in on_merge) end in the same sessions
// and contents as sorting the timestamps and splitting where two neighbours
// are more than a gap apart (touching windows merge, as in Flink), also
// when fired windows are retired and the set is restored from its
// persisted mapping midway.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "operators/windows/window_assigners.hpp"
#include "snapshot/state_codec.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace window_assigners_test {

using std::chrono::milliseconds;

namespace {

static_assert(window_assigner<tumbling_event_time_windows>);
static_assert(window_assigner<tumbling_processing_time_windows>);
static_assert(window_assigner<sliding_event_time_windows>);
static_assert(window_assigner<sliding_processing_time_windows>);
static_assert(window_assigner<event_time_session_windows>);
static_assert(window_assigner<processing_time_session_windows>);
static_assert(window_start_with_offset(-1, 0, 10) == -10);
static_assert(window_start_with_offset(-13, 3, 5) == -17);
static_assert(window_start_with_offset(7, 2, 5) == 7);
static_assert(window_start_with_offset(9, -4, 10) == 6);

/// Windows [k * slide + offset, + size) containing ts, latest start first.
std::vector<time_window> reference(int64_t ts, int64_t size, int64_t slide, int64_t offset) {
  std::vector<time_window> result;
  auto k0 = ts / slide;
  for (auto k = k0 + 2; k >= k0 - size / slide - 3; --k) {
    auto start = k * slide + offset;
    if (start <= ts && ts < start + size)
      result.push_back({start, start + size});
  }
  return result;
}

template <class Assigner>
void check_against_reference(const Assigner& a, int64_t size, int64_t slide, int64_t offset) {
  std::vector<time_window> out{{1, 2}}; // assign must clear it
  for (int64_t ts = -3 * size - 40; ts <= 3 * size + 40; ++ts) {
    a.assign(ts, out);
    auto expected = reference(ts, size, slide, offset);
    BOOST_TEST_CONTEXT("ts " << ts << " size " << size << " slide " << slide << " offset "
                             << offset) {
      BOOST_TEST(out == expected, boost::test_tools::per_element());
      for (auto& w : out)
        BOOST_TEST((w.start <= ts && ts <= w.max_timestamp()));
    }
  }
}

/// Runs f and returns the sluice::exception it throws.
template <class F>
exception thrown_by(F f) {
  try {
    f();
  } catch (const exception& e) {
    return e;
  }
  BOOST_FAIL("no sluice::exception thrown");
  return exception{ec::none, ""};
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

} // namespace

BOOST_AUTO_TEST_SUITE(window_assigners_suite)

BOOST_AUTO_TEST_CASE(time_window_basics) {
  time_window a{0, 10};
  BOOST_TEST(a.max_timestamp() == 9);
  BOOST_TEST(a.intersects({10, 20})); // touching counts (Flink)
  BOOST_TEST(a.intersects({-5, 0}));
  BOOST_TEST(!a.intersects({11, 20}));
  BOOST_TEST((a.cover({15, 20}) == time_window{0, 20}));
  BOOST_TEST((time_window{0, 10} < time_window{0, 11}));
  BOOST_TEST((time_window{-1, 100} < time_window{0, 1}));
  BOOST_TEST(global_window{}.max_timestamp() == INT64_MAX);
  // inspect(): CAF round trip, also of a persisted mapping.
  std::vector<std::pair<time_window, time_window>> mapping{{{-5, 20}, {-5, 5}}, {{30, 40}, {30, 40}}};
  std::string bytes;
  encode_value(mapping, bytes);
  BOOST_TEST((decode_value<decltype(mapping)>(bytes, "test") == mapping));
  bytes.clear();
  encode_value(time_window{-1, 7}, bytes);
  BOOST_TEST(bytes.size() == 16u); // two int64
  BOOST_TEST((decode_value<time_window>(bytes, "test") == time_window{-1, 7}));
  bytes.clear();
  encode_value(global_window{}, bytes);
  BOOST_TEST(bytes.empty());
  BOOST_TEST((decode_value<global_window>(bytes, "test") == global_window{}));
}

BOOST_AUTO_TEST_CASE(tumbling_windows_match_reference) {
  for (int64_t size : {1, 3, 7, 10, 60}) {
    for (int64_t offset : {int64_t{0}, size / 2, -size / 3, size - 1, 1 - size}) {
      check_against_reference(tumbling_event_time_windows::of(milliseconds{size}, milliseconds{offset}),
                              size, size, offset);
      check_against_reference(
        tumbling_processing_time_windows::of(milliseconds{size}, milliseconds{offset}), size, size,
        offset);
    }
  }
  auto t = tumbling_event_time_windows::of(1000ms);
  BOOST_TEST(t.is_event_time());
  BOOST_TEST(!t.is_merging());
  BOOST_TEST(!tumbling_processing_time_windows::of(5ms).is_event_time());
  // Offset -8h: days start at local midnight in UTC+8 (Flink's example).
  std::vector<time_window> out;
  tumbling_event_time_windows::of(24h, -8h).assign(0, out);
  BOOST_TEST((out == std::vector<time_window>{{-8 * 3600000, 16 * 3600000}}));
}

BOOST_AUTO_TEST_CASE(sliding_windows_match_reference) {
  struct param {
    int64_t size, slide;
  };
  for (auto [size, slide] : {param{10, 5}, param{10, 3}, param{7, 7}, param{5, 10}, param{1, 1},
                             param{60, 1}, param{9, 4}}) {
    for (int64_t offset : {int64_t{0}, slide / 2, -slide / 2, slide - 1, 1 - slide}) {
      check_against_reference(sliding_event_time_windows::of(milliseconds{size},
                                                             milliseconds{slide},
                                                             milliseconds{offset}),
                              size, slide, offset);
      check_against_reference(sliding_processing_time_windows::of(milliseconds{size},
                                                                  milliseconds{slide},
                                                                  milliseconds{offset}),
                              size, slide, offset);
    }
  }
  std::vector<time_window> out;
  sliding_event_time_windows::of(10ms, 5ms).assign(12, out);
  BOOST_TEST((out == std::vector<time_window>{{10, 20}, {5, 15}})); // latest start first
  sliding_event_time_windows::of(5ms, 10ms).assign(17, out);      // in the gap
  BOOST_TEST(out.empty());
  BOOST_TEST(!sliding_event_time_windows::of(10ms, 5ms).is_merging());
  BOOST_TEST(!sliding_processing_time_windows::of(10ms, 5ms).is_event_time());
}

BOOST_AUTO_TEST_CASE(session_windows_open_one_gap_per_record) {
  std::vector<time_window> out;
  auto s = event_time_session_windows::with_gap(30ms);
  for (int64_t ts : {-100, -1, 0, 42}) {
    s.assign(ts, out);
    BOOST_TEST((out == std::vector<time_window>{{ts, ts + 30}}));
  }
  BOOST_TEST(s.is_merging());
  BOOST_TEST(s.is_event_time());
  BOOST_TEST(s.gap() == 30);
  BOOST_TEST(!processing_time_session_windows::with_gap(1ms).is_event_time());
  BOOST_TEST(processing_time_session_windows::with_gap(1ms).is_merging());
}

BOOST_AUTO_TEST_CASE(invalid_parameters_name_the_parameter) {
  auto check = [](auto f, const std::string& name, const std::string& part) {
    auto e = thrown_by(f);
    BOOST_TEST_CONTEXT(e.what()) {
      BOOST_TEST((e.code() == ec::invalid_argument));
      BOOST_TEST(contains(e.what(), name));
      BOOST_TEST(contains(e.what(), part));
    }
  };
  check([] { tumbling_event_time_windows::of(0ms); }, "tumbling_event_time_windows",
        "size must be positive, got 0 ms");
  check([] { tumbling_processing_time_windows::of(-5ms); }, "tumbling_processing_time_windows",
        "size must be positive, got -5 ms");
  check([] { tumbling_event_time_windows::of(10ms, 10ms); }, "tumbling_event_time_windows",
        "|offset| < size, got offset 10 ms with size 10 ms");
  check([] { tumbling_event_time_windows::of(10ms, -10ms); }, "tumbling_event_time_windows",
        "got offset -10 ms");
  check([] { tumbling_event_time_windows::of(10ms, milliseconds{INT64_MIN}); },
        "tumbling_event_time_windows", "offset");
  check([] { sliding_event_time_windows::of(0ms, 5ms); }, "sliding_event_time_windows",
        "size must be positive, got 0 ms");
  check([] { sliding_processing_time_windows::of(10ms, 0ms); },
        "sliding_processing_time_windows", "slide must be positive, got 0 ms");
  check([] { sliding_event_time_windows::of(10ms, 5ms, 5ms); }, "sliding_event_time_windows",
        "|offset| < slide, got offset 5 ms with slide 5 ms");
  check([] { event_time_session_windows::with_gap(0ms); }, "event_time_session_windows",
        "gap must be positive, got 0 ms");
  check([] { processing_time_session_windows::with_gap(-1ms); },
        "processing_time_session_windows", "gap must be positive, got -1 ms");
}

BOOST_AUTO_TEST_CASE(missing_timestamp_and_overflow_fail_the_operator) {
  std::vector<time_window> out;
  auto e = thrown_by([&] { tumbling_event_time_windows::of(10ms).assign(INT64_MIN, out); });
  BOOST_TEST((e.code() == ec::operator_failed));
  BOOST_TEST(contains(e.what(), "no timestamp"));
  e = thrown_by([&] { event_time_session_windows::with_gap(10ms).assign(INT64_MIN, out); });
  BOOST_TEST((e.code() == ec::operator_failed));
  e = thrown_by([&] { tumbling_event_time_windows::of(10ms).assign(INT64_MAX, out); });
  BOOST_TEST((e.code() == ec::operator_failed));
  BOOST_TEST(contains(e.what(), "overflows"));
  e = thrown_by([&] { sliding_event_time_windows::of(10ms, 3ms).assign(INT64_MIN + 5, out); });
  BOOST_TEST((e.code() == ec::operator_failed));
  e = thrown_by([&] { event_time_session_windows::with_gap(10ms).assign(INT64_MAX - 5, out); });
  BOOST_TEST((e.code() == ec::operator_failed));
}

// Flink's MergingWindowSetTest cases, with the callback arguments checked.
BOOST_AUTO_TEST_CASE(merging_set_reports_merges_like_flink) {
  using wins = std::vector<time_window>;
  struct call {
    time_window result;
    wins merged;
    time_window state;
    wins merged_state;
  };
  std::vector<call> calls;
  auto record = [&](time_window r, const wins& m, time_window s, const wins& ms) {
    calls.push_back({r, m, s, ms});
  };
  merging_window_set set;
  BOOST_TEST(set.empty());
  BOOST_TEST((set.add_window({0, 10}, record) == time_window{0, 10}));
  BOOST_TEST(calls.empty());
  BOOST_TEST((set.state_window({0, 10}) == time_window{0, 10}));
  BOOST_TEST((set.add_window({5, 15}, record) == time_window{0, 15}));
  BOOST_REQUIRE(calls.size() == 1);
  BOOST_TEST((calls[0].result == time_window{0, 15}));
  BOOST_TEST((calls[0].merged == wins{{0, 10}}));
  BOOST_TEST((calls[0].state == time_window{0, 10}));
  BOOST_TEST(calls[0].merged_state.empty());
  BOOST_TEST(!set.state_window({0, 10}));
  BOOST_TEST((set.add_window({20, 30}, record) == time_window{20, 30}));
  BOOST_TEST(calls.size() == 1);
  BOOST_TEST((set.add_window({15, 20}, record) == time_window{0, 30})); // touches both
  BOOST_REQUIRE(calls.size() == 2);
  BOOST_TEST((calls[1].result == time_window{0, 30}));
  BOOST_TEST((calls[1].merged == wins{{0, 15}, {20, 30}}));
  BOOST_TEST((calls[1].state == time_window{0, 10}));
  BOOST_TEST((calls[1].merged_state == wins{{20, 30}}));
  // Inside an in-flight window: no merge, that window is the result.
  BOOST_TEST((set.add_window({3, 8}, record) == time_window{0, 30}));
  BOOST_TEST((set.add_window({0, 30}, record) == time_window{0, 30}));
  BOOST_TEST(calls.size() == 2);
  BOOST_TEST((set.state_window({0, 30}) == time_window{0, 10}));
  BOOST_TEST(set.size() == 1);
  set.retire_window({0, 30});
  BOOST_TEST(set.empty());
  auto e = thrown_by([&] { set.retire_window({0, 30}); });
  BOOST_TEST((e.code() == ec::operator_failed));
  BOOST_TEST(contains(e.what(), "[0, 30)"));
}

BOOST_AUTO_TEST_CASE(merging_set_restores_a_persisted_mapping) {
  merging_window_set before;
  auto ignore = [](auto&&...) {};
  before.add_window({0, 10}, ignore);
  before.add_window({5, 15}, ignore);
  before.add_window({40, 50}, ignore);
  std::vector<std::pair<time_window, time_window>> persisted(before.mapping().begin(),
                                                             before.mapping().end());
  merging_window_set after{persisted};
  BOOST_TEST((after.mapping() == before.mapping()));
  BOOST_TEST((after.state_window({0, 15}) == time_window{0, 10}));
  BOOST_TEST((after.state_window({40, 50}) == time_window{40, 50}));
  int merges = 0;
  BOOST_TEST((after.add_window({14, 41}, [&](auto...) { ++merges; }) == time_window{0, 50}));
  BOOST_TEST(merges == 1);
  BOOST_TEST((after.state_window({0, 50}) == time_window{0, 10}));
  // A new window covering an in-flight one keeps that one's state window
  // (Flink would map it to itself and orphan the state).
  merging_window_set covering{{{{5, 8}, {5, 8}}}};
  BOOST_TEST((covering.add_window({0, 20}, ignore) == time_window{0, 20}));
  BOOST_TEST((covering.state_window({0, 20}) == time_window{5, 8}));
  // A restored mapping with intersecting windows is merged on the next add.
  merging_window_set broken{{{{0, 10}, {0, 10}}, {{5, 15}, {5, 15}}}};
  std::vector<time_window> merged_state;
  BOOST_TEST((broken.add_window({100, 110}, [&](auto, auto&, auto, auto& ms) {
    merged_state = ms;
  }) == time_window{100, 110}));
  BOOST_TEST((broken.state_window({0, 15}) == time_window{0, 10}));
  BOOST_TEST((merged_state == std::vector<time_window>{{5, 15}}));
  BOOST_TEST(broken.size() == 2);
}

// Random out-of-order session events; state simulated per state window.
// Windows are fired (retired) once no later event can touch them, and the
// set is persisted and restored midway: fired plus remaining sessions must
// equal the reference sessionization.
BOOST_AUTO_TEST_CASE(merging_set_matches_reference_sessions) {
  for (unsigned seed = 1; seed <= 60; ++seed) {
    std::mt19937 rng{seed};
    int64_t gap = std::uniform_int_distribution<int64_t>{1, 40}(rng);
    size_t n = std::uniform_int_distribution<size_t>{1, 400}(rng);
    std::vector<int64_t> ts(n);
    std::uniform_int_distribution<int64_t> time{-2000, 6000};
    for (auto& t : ts)
      t = time(rng);
    std::sort(ts.begin(), ts.end());
    // Reference: split the sorted timestamps where neighbours are > gap apart.
    std::map<time_window, std::vector<int64_t>> expected;
    for (size_t i = 0; i < n;) {
      size_t j = i + 1;
      while (j < n && ts[j] - ts[j - 1] <= gap)
        ++j;
      expected[{ts[i], ts[j - 1] + gap}] = std::vector<int64_t>(ts.begin() + i, ts.begin() + j);
      i = j;
    }
    // Feed in chunks, shuffled within each chunk (out of order, but no
    // event earlier than the previous chunks' watermark).
    size_t chunk = std::uniform_int_distribution<size_t>{1, 50}(rng);
    auto session = event_time_session_windows::with_gap(milliseconds{gap});
    merging_window_set set;
    std::map<time_window, std::vector<int64_t>> state; // by state window
    std::map<time_window, std::vector<int64_t>> fired;
    std::vector<time_window> assigned;
    BOOST_TEST_CONTEXT("seed " << seed << " gap " << gap << " n " << n << " chunk " << chunk) {
      for (size_t begin = 0; begin < n; begin += chunk) {
        auto end = std::min(n, begin + chunk);
        std::vector<int64_t> part(ts.begin() + begin, ts.begin() + end);
        std::shuffle(part.begin(), part.end(), rng);
        for (auto t : part) {
          session.assign(t, assigned);
          BOOST_REQUIRE(assigned.size() == 1);
          auto on_merge = [&](time_window result, const std::vector<time_window>& merged,
                              time_window state_result,
                              const std::vector<time_window>& merged_state) {
            for (auto& m : merged)
              BOOST_TEST((result.cover(m) == result));
            BOOST_TEST(state.contains(state_result));
            for (auto& s : merged_state) {
              BOOST_REQUIRE(state.contains(s));
              auto& target = state[state_result];
              target.insert(target.end(), state[s].begin(), state[s].end());
              state.erase(s);
            }
          };
          auto w = set.add_window(assigned.front(), on_merge);
          BOOST_TEST((w.cover(assigned.front()) == w));
          auto sw = set.state_window(w);
          BOOST_REQUIRE(sw.has_value());
          state[*sw].push_back(t);
        }
        // Invariants: disjoint, non-touching windows with distinct state windows.
        std::vector<time_window> wins;
        std::map<time_window, int> state_uses;
        for (auto& [win, st] : set.mapping()) {
          BOOST_TEST((wins.empty() || !wins.back().intersects(win)));
          wins.push_back(win);
          BOOST_TEST(++state_uses[st] == 1);
        }
        BOOST_TEST(state_uses.size() == state.size());
        // Fire what no later event (>= the next chunk's minimum) can touch.
        std::vector<time_window> done;
        for (auto& [win, st] : set.mapping())
          if (end == n || win.end < ts[end])
            done.push_back(win);
        for (auto& win : done) {
          auto st = *set.state_window(win);
          auto contents = state[st];
          std::sort(contents.begin(), contents.end());
          fired[win] = contents;
          state.erase(st);
          set.retire_window(win);
        }
        if (std::uniform_int_distribution<int>{0, 3}(rng) == 0) { // restore from a checkpoint
          std::vector<std::pair<time_window, time_window>> persisted(set.mapping().begin(),
                                                                     set.mapping().end());
          set = merging_window_set{persisted};
        }
      }
      BOOST_TEST(set.empty());
      BOOST_TEST(state.empty());
      BOOST_TEST((fired == expected));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace window_assigners_test
