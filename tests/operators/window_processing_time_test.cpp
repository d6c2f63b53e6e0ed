// Processing-time windows of the window operator
// (operators/windows/window_operator.hpp), driven directly without actors
// through a fake operator_context with a fake clock, on both state
// backends: a window fires when the host calls back at its end - 1, the
// operator asks for exactly its earliest window's end - 1, and tumbling,
// sliding and session windows with reduce and process equal the reference
// (window_reference.hpp), the host calling back late or early.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>
#include <vector>

#include "tests/operators/window_operator_checks.hpp"

using namespace sluice;
using namespace sluice::window_test;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(window_operator_suite)

// 3. Processing-time windows on a fake clock: a window fires when
// on_processing_time(now >= end - 1) is called, and the operator asks for
// exactly the end - 1 of its earliest window.
BOOST_DATA_TEST_CASE(processing_time_tumbling_fires_on_the_clock, SLUICE_BACKENDS, kind) {
  using contents = reduce_contents<ev, sum_ev>;
  auto h = make_harness<contents>(kind, tumbling_processing_time_windows::of(100ms),
                                  processing_trigger());
  using reqs = std::vector<timestamp>;
  BOOST_CHECK(h.ctx.requests.empty());
  h.ctx.clock = 1000;
  h.feed({{1, 1}, {2, 2}}, {5, 5}); // timestamps are ignored
  BOOST_CHECK(h.ctx.requests == (reqs{1099}));
  h.ctx.clock = 1150;
  h.feed({{1, 4}}); // no timestamps needed
  BOOST_CHECK(h.ctx.requests == (reqs{1099, 1099}));
  h.processing_time(1098); // early call: nothing fires, asks again
  BOOST_CHECK(h.take().empty());
  BOOST_CHECK(h.ctx.requests == (reqs{1099, 1099, 1099}));
  h.processing_time(1120);
  BOOST_CHECK(h.take_fired() == (std::vector<fired>{{1, 0, 1100, 1, 1}, {2, 0, 1100, 1, 2}}));
  BOOST_CHECK(h.ctx.requests == (reqs{1099, 1099, 1099, 1199}));
  h.processing_time(1199);
  BOOST_CHECK(h.take_fired() == (std::vector<fired>{{1, 0, 1200, 1, 4}}));
  BOOST_CHECK_EQUAL(h.ctx.requests.size(), 4u); // nothing left to ask for
}

namespace {

/// Drives processing-time windows like the host: the clock advances, the
/// host calls back once it reached the earliest request (before or after
/// the next batch), and every request must be the reference's earliest
/// window end - 1.
template <class Op>
void run_processing(harness<Op>& h, reference& ref, uint32_t seed, bool without_start) {
  std::mt19937 rng{seed};
  timestamp clock = 1000;
  std::optional<timestamp> pending;
  size_t i = 0;
  auto check = [&](const step& s, size_t before) {
    auto want = ref.apply(s);
    if (without_start)
      want = window_test::without_start(std::move(want));
    same_results(i++, h.take_fired(), want);
    auto& r = h.ctx.requests;
    if (auto next = ref.next_end()) {
      BOOST_REQUIRE_GT(r.size(), before);
      BOOST_CHECK_EQUAL(r.back(), *next);
    } else {
      BOOST_CHECK_EQUAL(r.size(), before);
    }
    for (auto j = before; j < r.size(); ++j)
      pending = std::min(pending.value_or(max_timestamp), r[j]);
  };
  auto callback = [&] {
    if (!pending || clock < *pending)
      return;
    pending.reset();
    step s{step::processing, clock, {}, {}};
    auto before = h.ctx.requests.size();
    run_step(h, s);
    check(s, before);
  };
  for (int n = 0; n < 150; ++n) {
    clock += rng() % 30;
    bool callback_first = rng() % 2 == 0;
    if (callback_first)
      callback();
    step s{step::records, clock, {}, {}};
    for (auto len = 1 + rng() % 4; len > 0; --len)
      s.xs.push_back({static_cast<int32_t>(rng() % 3), 1 + static_cast<int64_t>(rng() % 100)});
    auto before = h.ctx.requests.size();
    run_step(h, s);
    check(s, before);
    if (!callback_first)
      callback();
  }
  while (pending) {
    clock = std::max(clock, *pending);
    callback();
  }
  BOOST_CHECK(ref.empty());
}

template <class Assigner>
void check_processing_time(state_backend_kind kind, Assigner a, spec sp) {
  for (uint32_t seed : {11u, 12u, 13u}) {
    BOOST_TEST_CONTEXT("shape " << int(sp.kind) << ", seed " << seed) {
      {
        using contents = reduce_contents<ev, sum_ev>;
        reference ref{sp, false};
        auto h = make_harness<contents>(kind, a, processing_trigger());
        run_processing(h, ref, seed, true);
        BOOST_CHECK_GT(ref.fires(), 50u);
      }
      {
        using contents = process_contents<ev, stats_fn<time_window>>;
        reference ref{sp, false};
        auto h = make_harness<contents>(kind, a, processing_trigger());
        run_processing(h, ref, seed, false);
      }
    }
  }
}

} // namespace

// Tumbling, sliding and session processing-time windows with reduce and
// process against the reference, the host calling back late or early.
BOOST_DATA_TEST_CASE(processing_time_windows_match_the_reference, SLUICE_BACKENDS, kind) {
  check_processing_time(kind, tumbling_processing_time_windows::of(100ms),
                        {shape::tumbling, 100, 0, 0, 0});
  check_processing_time(kind, sliding_processing_time_windows::of(100ms, 30ms),
                        {shape::sliding, 100, 30, 0, 0});
  check_processing_time(kind, processing_time_session_windows::with_gap(20ms),
                        {shape::session, 100, 0, 20, 0});
}

BOOST_AUTO_TEST_SUITE_END()
