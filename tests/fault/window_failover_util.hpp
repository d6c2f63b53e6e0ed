// Helpers of the window fault tests (window_failover_test.cpp,
// window_savepoint_rescale_test.cpp): a job counting clicks per user in
// windows of one second (or with event-time timers) that writes
// "user,start,count" lines through a transactional file sink, the lines it
// must commit, its environment (checkpoints, restarts, state backend) and
// the check of what it committed. The windows stage of each shape is
// defined in the unit whose tests run it, so that each unit compiles only
// its own window operators.
#pragma once

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "operators/environment.hpp"
#include "operators/transactional_file_sink.hpp"
#include "tests/checkpoint/coordinator_test_util.hpp"
#include "tests/fault/line_diff.hpp"

namespace sluice::window_failover_test {

enum class shape { tumbling_reduce, sliding_process, timers };

/// (user, window start, count) as the output line "user,start,count".
struct window_count {
  std::string user;
  int64_t start = 0;
  int64_t count = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, window_count& x) {
  return f(x.user, x.start, x.count);
}

inline std::string line_of(const window_count& w) {
  return w.user + "," + std::to_string(w.start) + "," + std::to_string(w.count);
}

struct by_user {
  std::string operator()(const event& e) const {
    return e.user;
  }
};

using keyed_clicks = keyed_stream<std::string, event, by_user>;

// The windows stage of each shape (uid "windows"): tumbling 1 s windows
// counting with an aggregate, and per-second counts with event-time timers
// (window_failover_test.cpp); sliding 5 s windows every 1 s counting with a
// process function (window_savepoint_rescale_test.cpp).
stream<window_count> tumbling_counts(const keyed_clicks& keyed);
stream<window_count> timer_counts(const keyed_clicks& keyed);
stream<window_count> sliding_counts(const keyed_clicks& keyed);

/// 200,000 clicks of 20 users, 3 ms of event time apart.
inline click_source_options clicks() {
  click_source_options opts;
  opts.count = 200'000;
  opts.rate = 80'000; // about 2.5 s without failures
  opts.users = 20;
  opts.timestamp_step_ms = 3; // 600 s of event time
  return opts;
}

/// What the job must commit, as sorted lines.
inline std::vector<std::string> reference(shape what, const click_source_options& opts) {
  std::map<std::pair<std::string, int64_t>, int64_t> counts;
  for (uint64_t i = 0; i < opts.count; ++i) {
    auto e = click_event_at(opts, i);
    if (what == shape::sliding_process) { // 5 s windows every 1 s
      auto last = e.timestamp / 1000 * 1000;
      for (auto start = last; start > e.timestamp - 5000; start -= 1000)
        ++counts[{e.user, start}];
    } else {
      ++counts[{e.user, e.timestamp / 1000 * 1000}];
    }
  }
  std::vector<std::string> lines;
  for (auto& [k, n] : counts)
    lines.push_back(line_of({k.first, k.second, n}));
  std::sort(lines.begin(), lines.end());
  return lines;
}

/// The job: the click source (2 subtasks), the windows of `what`, lines
/// into a transactional file sink at `out`. `source`, when set, makes the
/// source's operator instead of a plain click_source of `opts` (a test
/// wraps it, e.g. in a gated_source); the graph and uids stay the same.
inline void build_job(environment& env, shape what, const click_source_options& opts,
                      const std::filesystem::path& out, operator_factory source_op = {}) {
  // The click source cannot rescale: it keeps parallelism 2, the windows
  // take the environment's.
  auto source = source_op ? env.add_source<event>("click-source", std::move(source_op))
                          : env.click_events(opts);
  source.uid("clicks").parallelism(2);
  auto keyed = source
                 .assign_timestamps_and_watermarks(
                   watermark_strategy<event>::for_monotonous_timestamps().with_timestamp_assigner(
                     [](const event& e) { return e.timestamp; }))
                 .uid("timestamps")
                 .parallelism(2)
                 .key_by(by_user{});
  stream<window_count> counts = [&] {
    switch (what) {
      case shape::tumbling_reduce:
        return tumbling_counts(keyed);
      case shape::sliding_process:
        return sliding_counts(keyed);
      default:
        return timer_counts(keyed);
    }
  }();
  counts.map([](const window_count& w) { return line_of(w); })
    .uid("lines")
    .rebalance()
    .template then<std::string>(
      "file-sink", [out] { return std::make_unique<transactional_file_sink<std::string>>(out); })
    .uid("file-sink");
}

/// An environment of `parallelism` on `backend`: checkpoints every 30 ms
/// (all retained) under `dir`, restarts without delay.
inline std::unique_ptr<environment> make_env(const std::filesystem::path& dir,
                                             uint32_t parallelism, state_backend_kind backend) {
  auto pc = default_pipeline_config();
  pc.threads = 2;
  pc.parallelism = parallelism;
  auto env = std::make_unique<environment>(pc);
  env->set_checkpoint_config(
    sluice::testing::retain_all(dir / "checkpoints", std::chrono::milliseconds{30}));
  state_config state;
  state.backend = backend;
  state.local_dir = (dir / "lmdb").string();
  env->set_state_config(state);
  env->set_restart_strategy(restart_config::fixed_delay(100, std::chrono::milliseconds{0}));
  return env;
}

/// The lines committed to `out` are exactly `expected` (each once).
inline void check_committed(const std::filesystem::path& out,
                            const std::vector<std::string>& expected) {
  using sluice::testing::line_diff;
  auto got = read_committed_lines(out);
  std::sort(got.begin(), got.end());
  BOOST_CHECK_EQUAL(got.size(), expected.size());
  auto [missing, extra] = sluice::testing::diff_sorted_lines(expected, got);
  BOOST_CHECK_MESSAGE(missing.empty(), missing.size() << " results lost, e.g. "
                                                      << line_diff::first(missing));
  BOOST_CHECK_MESSAGE(extra.empty(), extra.size() << " results wrong or repeated, e.g. "
                                                  << line_diff::first(extra));
}

} // namespace sluice::window_failover_test
