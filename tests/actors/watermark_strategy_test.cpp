// watermark_strategy: generators (bounded out-of-orderness, monotonous, none)
// against a reference, idleness with a fake clock, the strategy's assigner
// and its argument errors.
#include "operators/watermark_strategy.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace watermark_strategy_test {

namespace {

using namespace std::chrono_literals;
using sluice::timestamp;

/// Records what a generator tells its host, e.g. "wm:5 idle active wm:9".
struct recording_output : sluice::watermark_output {
  std::string log;
  std::vector<timestamp> watermarks;

  void emit_watermark(timestamp wm) override {
    append("wm:" + std::to_string(wm));
    watermarks.push_back(wm);
  }
  void mark_idle() override {
    append("idle");
  }
  void mark_active() override {
    append("active");
  }
  void append(const std::string& s) {
    log += log.empty() ? s : " " + s;
  }
  std::string take() {
    auto result = std::move(log);
    log.clear();
    return result;
  }
};

struct event {
  std::string key;
  timestamp ts;
};

template <class F>
sluice::ec error_code_of(F&& f) {
  try {
    f();
  } catch (const sluice::exception& e) {
    return e.code();
  }
  return sluice::ec::none;
}

template <class F>
std::string error_message_of(F&& f) {
  try {
    f();
  } catch (const sluice::exception& e) {
    return e.what();
  }
  return {};
}

} // namespace

BOOST_AUTO_TEST_SUITE(watermark_strategy_suite)

BOOST_AUTO_TEST_CASE(bounded_emits_max_minus_bound_minus_one) {
  sluice::bounded_out_of_orderness_watermarks gen{5ms};
  recording_output out;
  gen.on_periodic_emit(out); // nothing seen yet: nothing emitted
  BOOST_CHECK_EQUAL(out.take(), "");
  for (timestamp ts : {10, 7, 20, 12})
    gen.on_event(ts, out);
  BOOST_CHECK_EQUAL(out.take(), ""); // periodic: never on an event
  gen.on_periodic_emit(out);
  gen.on_periodic_emit(out); // repeats while nothing newer arrives
  gen.on_event(18, out);     // older than 20: no change
  gen.on_periodic_emit(out);
  gen.on_event(31, out);
  gen.on_periodic_emit(out);
  BOOST_CHECK_EQUAL(out.take(), "wm:14 wm:14 wm:14 wm:25");
  BOOST_CHECK_EQUAL(gen.max_out_of_orderness().count(), 5);
}

BOOST_AUTO_TEST_CASE(bounded_matches_reference_on_out_of_order_input) {
  const timestamp bound = 37;
  sluice::bounded_out_of_orderness_watermarks gen{std::chrono::milliseconds{bound}};
  recording_output out;
  std::vector<timestamp> expected;
  timestamp max_seen = INT64_MIN;
  bool seen = false;
  uint32_t x = 4711;
  for (int i = 0; i < 5000; ++i) {
    x = x * 1664525u + 1013904223u;
    // Drifting upward with up to 100 ms of jitter either way.
    timestamp ts = 1000 + i * 3 + static_cast<timestamp>((x >> 8) % 200) - 100;
    gen.on_event(ts, out);
    max_seen = seen ? std::max(max_seen, ts) : ts;
    seen = true;
    if ((x >> 20) % 7 == 0) {
      gen.on_periodic_emit(out);
      expected.push_back(max_seen - bound - 1);
    }
  }
  BOOST_REQUIRE_GT(expected.size(), 100u);
  BOOST_CHECK_EQUAL_COLLECTIONS(out.watermarks.begin(), out.watermarks.end(), expected.begin(),
                                expected.end());
}

BOOST_AUTO_TEST_CASE(bounded_saturates_near_min_timestamp) {
  sluice::bounded_out_of_orderness_watermarks gen{10ms};
  recording_output out;
  gen.on_event(sluice::min_timestamp + 3, out);
  gen.on_periodic_emit(out);
  gen.on_event(sluice::min_timestamp + 11, out); // exactly min + bound + 1
  gen.on_periodic_emit(out);
  gen.on_event(sluice::min_timestamp + 12, out);
  gen.on_periodic_emit(out);
  BOOST_REQUIRE_EQUAL(out.watermarks.size(), 3u);
  BOOST_CHECK_EQUAL(out.watermarks[0], sluice::min_timestamp);
  BOOST_CHECK_EQUAL(out.watermarks[1], sluice::min_timestamp);
  BOOST_CHECK_EQUAL(out.watermarks[2], sluice::min_timestamp + 1);
}

BOOST_AUTO_TEST_CASE(monotonous_is_bound_zero) {
  sluice::monotonous_watermarks gen;
  recording_output out;
  gen.on_event(100, out);
  gen.on_periodic_emit(out);
  gen.on_event(100, out);
  gen.on_event(250, out);
  gen.on_periodic_emit(out);
  BOOST_CHECK_EQUAL(out.take(), "wm:99 wm:249");
}

BOOST_AUTO_TEST_CASE(no_watermarks_emits_nothing) {
  sluice::no_watermarks_generator gen;
  recording_output out;
  for (timestamp ts : {5, 1, 9}) {
    gen.on_event(ts, out);
    gen.on_periodic_emit(out);
  }
  BOOST_CHECK_EQUAL(out.take(), "");
}

BOOST_AUTO_TEST_CASE(negative_bound_throws) {
  auto code = error_code_of([] { sluice::bounded_out_of_orderness_watermarks gen{-1ms}; });
  BOOST_CHECK(code == sluice::ec::invalid_argument);
  auto msg = error_message_of([] { sluice::bounded_out_of_orderness_watermarks gen{-1ms}; });
  BOOST_CHECK_EQUAL(msg, "max_out_of_orderness = -1ms: must not be negative");
  BOOST_CHECK(error_code_of([] { sluice::bounded_out_of_orderness_watermarks gen{0ms}; })
              == sluice::ec::none);
}

BOOST_AUTO_TEST_CASE(idleness_marks_idle_once_and_active_on_event) {
  timestamp now = 0;
  sluice::watermarks_with_idleness gen{std::make_unique<sluice::monotonous_watermarks>(), 100ms,
                                       [&now] { return now; }};
  recording_output out;
  gen.on_event(10, out);
  gen.on_periodic_emit(out); // t=0: saw a record, forwards
  now = 50;
  gen.on_periodic_emit(out); // quiet for 50 < 100: forwards
  now = 99;
  gen.on_periodic_emit(out); // quiet for 99: forwards
  BOOST_CHECK_EQUAL(out.take(), "wm:9 wm:9 wm:9");
  BOOST_CHECK(!gen.is_idle());
  now = 100;
  gen.on_periodic_emit(out); // quiet for 100: idle
  now = 150;
  gen.on_periodic_emit(out); // still idle: nothing, no forward
  now = 400;
  gen.on_periodic_emit(out);
  BOOST_CHECK_EQUAL(out.take(), "idle");
  BOOST_CHECK(gen.is_idle());
  now = 410;
  gen.on_event(30, out); // active again before the record is forwarded
  BOOST_CHECK_EQUAL(out.take(), "active");
  BOOST_CHECK(!gen.is_idle());
  gen.on_event(20, out); // only one active
  now = 420;
  gen.on_periodic_emit(out); // saw records: quiet time restarts at 420
  now = 519;
  gen.on_periodic_emit(out);
  now = 520;
  gen.on_periodic_emit(out);
  BOOST_CHECK_EQUAL(out.take(), "wm:29 wm:29 idle");
}

BOOST_AUTO_TEST_CASE(idleness_without_any_record) {
  timestamp now = 1000;
  int reads = 0;
  sluice::watermarks_with_idleness gen{std::make_unique<sluice::monotonous_watermarks>(), 10ms,
                                       [&] { ++reads; return now; }};
  recording_output out;
  gen.on_event(1, out); // the clock is not read per record
  gen.on_event(2, out);
  BOOST_CHECK_EQUAL(reads, 0);
  gen.on_periodic_emit(out);
  BOOST_CHECK_EQUAL(reads, 1);
  now = 1009;
  gen.on_periodic_emit(out);
  now = 1010;
  gen.on_periodic_emit(out);
  BOOST_CHECK_EQUAL(out.take(), "wm:1 wm:1 idle");

  // A fresh generator that never sees a record goes idle after the timeout
  // counted from its first periodic emit.
  sluice::watermarks_with_idleness quiet{std::make_unique<sluice::no_watermarks_generator>(), 10ms,
                                         [&] { return now; }};
  quiet.on_periodic_emit(out);
  now = 1025;
  quiet.on_periodic_emit(out);
  BOOST_CHECK_EQUAL(out.take(), "idle");
}

BOOST_AUTO_TEST_CASE(idleness_rejects_bad_arguments) {
  auto clock = [] { return timestamp{0}; };
  auto make = [&](std::chrono::milliseconds timeout) {
    sluice::watermarks_with_idleness gen{std::make_unique<sluice::no_watermarks_generator>(),
                                         timeout, clock};
  };
  BOOST_CHECK(error_code_of([&] { make(0ms); }) == sluice::ec::invalid_argument);
  BOOST_CHECK_EQUAL(error_message_of([&] { make(-5ms); }),
                    "idle_timeout = -5ms: must be greater than zero");
  BOOST_CHECK(error_code_of([&] { make(1ms); }) == sluice::ec::none);
  BOOST_CHECK(error_code_of([&] {
                sluice::watermarks_with_idleness gen{nullptr, 1ms, clock};
              })
              == sluice::ec::invalid_argument);
  BOOST_CHECK(error_code_of([&] {
                sluice::watermarks_with_idleness gen{
                  std::make_unique<sluice::no_watermarks_generator>(), 1ms, nullptr};
              })
              == sluice::ec::invalid_argument);
}

BOOST_AUTO_TEST_CASE(strategy_generators) {
  using strategy = sluice::watermark_strategy<event>;
  recording_output out;
  auto feed = [&](const strategy& s) {
    auto gen = s.make_generator({});
    for (timestamp ts : {40, 10, 55, 50})
      gen->on_event(ts, out);
    gen->on_periodic_emit(out);
    return out.take();
  };
  BOOST_CHECK_EQUAL(feed(strategy::for_monotonous_timestamps()), "wm:54");
  BOOST_CHECK_EQUAL(feed(strategy::for_bounded_out_of_orderness(20ms)), "wm:34");
  BOOST_CHECK_EQUAL(feed(strategy::no_watermarks()), "");
  int made = 0;
  auto custom = strategy::for_generator([&made] {
    ++made;
    return std::make_unique<sluice::bounded_out_of_orderness_watermarks>(1ms);
  });
  BOOST_CHECK_EQUAL(feed(custom), "wm:53");
  BOOST_CHECK_EQUAL(feed(custom), "wm:53"); // a fresh generator per call
  BOOST_CHECK_EQUAL(made, 2);
  BOOST_CHECK(!custom.idle_timeout());
  BOOST_CHECK(!custom.has_timestamp_assigner());
}

BOOST_AUTO_TEST_CASE(strategy_with_idleness_wraps_the_generator) {
  timestamp now = 0;
  auto s = sluice::watermark_strategy<event>::for_monotonous_timestamps().with_idleness(30ms);
  BOOST_REQUIRE(s.idle_timeout());
  BOOST_CHECK_EQUAL(s.idle_timeout()->count(), 30);
  auto gen = s.make_generator([&now] { return now; });
  recording_output out;
  gen->on_event(7, out);
  gen->on_periodic_emit(out);
  now = 30;
  gen->on_periodic_emit(out);
  gen->on_event(8, out);
  BOOST_CHECK_EQUAL(out.take(), "wm:6 idle active");
  // An idle timeout needs a clock.
  BOOST_CHECK(error_code_of([&] { s.make_generator({}); }) == sluice::ec::invalid_argument);
}

BOOST_AUTO_TEST_CASE(strategy_timestamp_assigner) {
  using strategy = sluice::watermark_strategy<event>;
  auto plain = strategy::for_monotonous_timestamps();
  event e{"a", 42};
  BOOST_CHECK_EQUAL(plain.extract_timestamp(e, 7), 7); // no assigner: keeps the record's

  auto by_field = plain.with_timestamp_assigner([](const event& x) { return x.ts; });
  BOOST_CHECK(by_field.has_timestamp_assigner());
  BOOST_CHECK(!plain.has_timestamp_assigner()); // builders copy
  BOOST_CHECK_EQUAL(by_field.extract_timestamp(e, 7), 42);

  auto with_previous = plain.with_timestamp_assigner(
    [](const event& x, timestamp previous) { return previous + x.ts * 10; });
  BOOST_CHECK_EQUAL(with_previous.extract_timestamp(e, 7), 427);

  // Builders compose in any order.
  auto both = plain.with_idleness(5ms).with_timestamp_assigner(
    [](const event& x) -> timestamp { return x.ts + 1; });
  BOOST_CHECK_EQUAL(both.extract_timestamp(e, 0), 43);
  BOOST_REQUIRE(both.idle_timeout());
  BOOST_CHECK_EQUAL(both.idle_timeout()->count(), 5);
}

BOOST_AUTO_TEST_CASE(strategy_rejects_bad_arguments) {
  using strategy = sluice::watermark_strategy<event>;
  BOOST_CHECK(error_code_of([] { strategy::for_bounded_out_of_orderness(-3ms); })
              == sluice::ec::invalid_argument);
  BOOST_CHECK_EQUAL(error_message_of([] { strategy::for_bounded_out_of_orderness(-3ms); }),
                    "max_out_of_orderness = -3ms: must not be negative");
  BOOST_CHECK_EQUAL(
    error_message_of([] { strategy::for_monotonous_timestamps().with_idleness(0ms); }),
    "idle_timeout = 0ms: must be greater than zero");
  BOOST_CHECK(error_code_of([] { strategy::for_generator(nullptr); })
              == sluice::ec::invalid_argument);
  BOOST_CHECK(error_code_of([] {
                strategy::no_watermarks().with_timestamp_assigner(strategy::timestamp_assigner{});
              })
              == sluice::ec::invalid_argument);
  auto null_factory = strategy::for_generator([] { return std::unique_ptr<sluice::watermark_generator>{}; });
  BOOST_CHECK_EQUAL(error_message_of([&] { null_factory.make_generator({}); }),
                    "watermark_strategy: generator factory returned null");
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace watermark_strategy_test
