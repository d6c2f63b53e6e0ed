// Count windows and global windows with custom triggers of the window
// operator (operators/windows/window_operator.hpp), driven directly without
// actors through a fake operator_context on both state backends, against
// reference computations (Flink's countWindow(size) / countWindow(size,
// slide), a deadline trigger, a purging trigger); count windows across a
// snapshot and restore (trigger counts, evicted contents) against an
// uninterrupted run.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <map>
#include <random>
#include <vector>

#include "tests/operators/window_test_util.hpp"

using namespace sluice;
using namespace sluice::window_test;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(window_operator_suite)

namespace {

/// Count windows against the reference (Flink's countWindow(size, slide):
/// every `slide`-th element of a key emits its last `size` elements; a
/// tumbling one has size == slide), results in input order.
template <class Op>
void check_count(harness<Op>& h, size_t size, size_t slide, bool values, uint32_t seed) {
  std::mt19937 rng{seed};
  std::map<int32_t, std::vector<int64_t>> seen;
  size_t fires = 0;
  for (int n = 0; n < 100; ++n) {
    std::vector<ev> xs;
    std::vector<count_result> want;
    for (auto len = 1 + rng() % 7; len > 0; --len) {
      ev x{static_cast<int32_t>(rng() % 3), 1 + static_cast<int64_t>(rng() % 100)};
      xs.push_back(x);
      auto& vs = seen[x.key];
      vs.push_back(x.value);
      if (vs.size() % slide == 0) {
        std::vector<int64_t> last(vs.end() - static_cast<long>(std::min(size, vs.size())),
                                  vs.end());
        int64_t sum = 0;
        for (auto v : last)
          sum += v;
        want.push_back({x.key, static_cast<int64_t>(last.size()), sum,
                        values ? last : std::vector<int64_t>{}});
      }
    }
    fires += want.size();
    h.feed(xs); // count windows need no timestamps
    BOOST_REQUIRE_MESSAGE(take_counts(h) == want, "step " << n);
  }
  BOOST_CHECK_GT(fires, 20u);
}

} // namespace

// 4. Tumbling count windows (purging count trigger on global windows, as
// keyed_stream::count_window(n)) and sliding ones (count trigger of
// `slide`, evictor keeping the last `size`, as count_window(size, slide)),
// with reduce and process.
BOOST_DATA_TEST_CASE(count_windows_match_the_reference, SLUICE_BACKENDS, kind) {
  using W = global_window;
  auto tumbling = [](int64_t n) -> trigger_ptr<W> {
    return purging_trigger<W>::of(count_trigger<W>::of(n));
  };
  for (uint32_t seed : {21u, 22u, 23u}) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      {
        using contents = reduce_contents<ev, sum_ev>;
        auto h = make_harness<contents>(kind, global_windows{}, tumbling(3));
        check_count(h, 3, 3, false, seed);
      }
      {
        using contents = process_contents<ev, stats_fn<W>>;
        auto h = make_harness<contents>(kind, global_windows{}, tumbling(4));
        check_count(h, 4, 4, true, seed);
      }
      {
        using contents = process_contents<ev, stats_fn<W>>;
        auto h = make_harness<contents>(kind, global_windows{}, count_trigger<W>::of(2), 0,
                                        contents{stats_fn<W>{}, 5});
        check_count(h, 5, 2, true, seed);
      }
      {
        using fn = reduce_all<int32_t, ev, W, sum_ev>;
        using contents = process_contents<ev, fn>;
        auto h = make_harness<contents>(kind, global_windows{}, count_trigger<W>::of(4), 0,
                                        contents{fn{sum_ev{}}, 3});
        check_count(h, 3, 4, false, seed);
      }
    }
  }
}

namespace {

/// A custom trigger: a key's global window fires and purges once the
/// watermark reaches the watermark at its first element plus `span` (the
/// trigger's value holds that deadline, an event-time timer fires it).
class deadline_trigger final : public window_trigger<global_window> {
public:
  explicit deadline_trigger(int64_t span) : span_(span) {
  }
  trigger_result on_element(timestamp, const global_window&,
                            trigger_context& ctx) const override {
    if (!ctx.value()) {
      auto deadline = ctx.current_watermark() + span_;
      ctx.set_value(deadline);
      ctx.register_event_time_timer(deadline);
    }
    return trigger_result::continue_;
  }
  trigger_result on_event_time(timestamp t, const global_window&,
                               trigger_context& ctx) const override {
    if (ctx.value() != t)
      return trigger_result::continue_;
    ctx.clear_value();
    return trigger_result::fire_and_purge;
  }
  trigger_result on_processing_time(timestamp, const global_window&,
                                    trigger_context&) const override {
    return trigger_result::continue_;
  }
  void clear(const global_window&, trigger_context& ctx) const override {
    if (auto d = ctx.value())
      ctx.delete_event_time_timer(*d);
    ctx.clear_value();
  }

private:
  int64_t span_;
};

/// A custom trigger on the element timestamps: fires and purges once an
/// element's timestamp is `span` or more past the first one's (the value).
class timestamp_span_trigger final : public window_trigger<global_window> {
public:
  explicit timestamp_span_trigger(int64_t span) : span_(span) {
  }
  trigger_result on_element(timestamp ts, const global_window&,
                            trigger_context& ctx) const override {
    auto first = ctx.value();
    if (!first) {
      ctx.set_value(ts);
      return trigger_result::continue_;
    }
    if (ts < *first + span_)
      return trigger_result::continue_;
    ctx.clear_value();
    return trigger_result::fire_and_purge;
  }
  trigger_result on_event_time(timestamp, const global_window&, trigger_context&) const override {
    return trigger_result::continue_;
  }
  trigger_result on_processing_time(timestamp, const global_window&,
                                    trigger_context&) const override {
    return trigger_result::continue_;
  }
  void clear(const global_window&, trigger_context& ctx) const override {
    ctx.clear_value();
  }

private:
  int64_t span_;
};

} // namespace

// 5. Global windows with a custom trigger (value state, event-time timers,
// fire-and-purge) against the reference: a key's batch opened at
// watermark w fires with its elements once the watermark reaches w + 50.
BOOST_DATA_TEST_CASE(global_windows_with_a_custom_trigger, SLUICE_BACKENDS, kind) {
  using W = global_window;
  using contents = process_contents<ev, stats_fn<W>>;
  auto h = make_harness<contents>(kind, global_windows{}, std::make_shared<deadline_trigger>(50));
  std::mt19937 rng{31};
  struct open_batch {
    timestamp deadline;
    std::vector<int64_t> values;
  };
  std::map<int32_t, open_batch> open;
  timestamp wm = 0;
  h.watermark(wm);
  size_t fires = 0;
  for (int n = 0; n < 200; ++n) {
    std::vector<ev> xs;
    for (auto len = rng() % 4; len > 0; --len) {
      ev x{static_cast<int32_t>(rng() % 4), 1 + static_cast<int64_t>(rng() % 100)};
      xs.push_back(x);
      open.try_emplace(x.key, open_batch{wm + 50, {}}).first->second.values.push_back(x.value);
    }
    if (!xs.empty())
      h.feed(xs);
    BOOST_REQUIRE(h.take().empty());
    wm += rng() % 40;
    std::vector<count_result> want;
    for (auto it = open.begin(); it != open.end();) {
      if (it->second.deadline > wm) {
        ++it;
        continue;
      }
      int64_t sum = 0;
      for (auto v : it->second.values)
        sum += v;
      want.push_back({it->first, static_cast<int64_t>(it->second.values.size()), sum,
                      it->second.values});
      it = open.erase(it);
    }
    h.watermark(wm);
    auto got = take_counts(h);
    std::sort(got.begin(), got.end());
    fires += want.size();
    BOOST_REQUIRE_MESSAGE(got == want, "step " << n);
  }
  BOOST_CHECK_GT(fires, 50u);
}

// A trigger's on_element gets the element's timestamp whatever the
// assigner (Flink's Trigger.onElement(element, element.getTimestamp(),
// ...)), also on global and processing-time windows, so a custom trigger on
// global windows can use event time. Key 1's batch must fire at the
// element with timestamp 35 (>= 10 + 20).
BOOST_DATA_TEST_CASE(custom_trigger_sees_the_element_timestamp, SLUICE_BACKENDS, kind) {
  using W = global_window;
  using contents = process_contents<ev, stats_fn<W>>;
  auto h = make_harness<contents>(kind, global_windows{},
                                  std::make_shared<timestamp_span_trigger>(20));
  h.ctx.clock = 5; // the processing time differs from every element timestamp
  h.feed({{1, 1}, {1, 2}, {2, 9}, {1, 3}, {1, 4}}, {10, 20, 15, 35, 40});
  BOOST_CHECK_MESSAGE(take_counts(h) == (std::vector<count_result>{{1, 3, 6, {1, 2, 3}}}),
                      "a trigger on global windows got the processing time, not the element "
                      "timestamp");
}

// Count windows keep their trigger counts and (sliding) evicted contents
// across a restore: results equal an uninterrupted run.
BOOST_DATA_TEST_CASE(count_windows_survive_snapshot_and_restore, SLUICE_BACKENDS, kind) {
  using W = global_window;
  using contents = process_contents<ev, stats_fn<W>>;
  using op = op_of<global_windows, contents, W>;
  auto tumbling = purging_trigger<W>::of(count_trigger<W>::of(3));
  auto sliding = count_trigger<W>::of(2);
  for (auto [trigger, keep] : {std::pair<trigger_ptr<W>, size_t>{tumbling, 0}, {sliding, 5}}) {
    auto make_op = [&] {
      return std::make_unique<op>(global_windows{}, trigger, 0, contents{stats_fn<W>{}, keep},
                                  key_of{});
    };
    harness whole{make_backend(kind), make_op()};
    auto part = std::make_unique<harness<op>>(make_backend(kind), make_op());
    std::mt19937 rng{51};
    size_t fires = 0;
    for (int n = 0; n < 60; ++n) {
      if (n == 25 || n == 26 || n == 40)
        part = std::make_unique<harness<op>>(
          snapshot_and_restore(part->backend(), static_cast<uint64_t>(n)), make_op());
      std::vector<ev> xs;
      for (auto len = 1 + rng() % 5; len > 0; --len)
        xs.push_back({static_cast<int32_t>(rng() % 3), 1 + static_cast<int64_t>(rng() % 100)});
      whole.feed(xs);
      part->feed(xs);
      auto want = take_counts(whole);
      fires += want.size();
      BOOST_REQUIRE_MESSAGE(take_counts(*part) == want, "step " << n);
    }
    BOOST_CHECK_GT(fires, 20u);
  }
}

BOOST_AUTO_TEST_SUITE_END()
