// Barrier alignment in the subtask actor, step by step on CAF's
// deterministic test coordinator (vertex "map -> filter" with two input
// channels): aligned barriers block a channel until every input delivered
// the barrier, so the forwarded barrier cuts the output exactly between the
// records before and after it; at-least-once blocks nothing.
#include "../actors/subtask_fixture.hpp"

namespace {

/// The probe's records in front of the first barrier, and after it.
std::pair<std::vector<reading>, std::vector<reading>> split_at_barrier(const probe_log& log) {
  std::pair<std::vector<reading>, std::vector<reading>> out;
  bool after = false;
  for (auto& e : log.entries) {
    if (e.kind == probe_log::barrier)
      after = true;
    auto& side = after ? out.second : out.first;
    side.insert(side.end(), e.records.begin(), e.records.end());
  }
  return out;
}

struct barrier_fixture {
  actor_env env;
  probe_log_ptr log = std::make_shared<probe_log>();
  down_info_ptr down = std::make_shared<down_info>();
  std::shared_ptr<const execution_plan> plan = make_plan(std::make_shared<collected<reading>>());
  subtask_actor rcv = env.spawn_probe(log);
  subtask_actor sub = env.spawn_subtask(down);

  explicit barrier_fixture(barrier_handling mode) {
    env.deploy(sub, plan, 1, 0, rcv, attempt, {}, mode);
  }

  /// ch0: data, barrier 1, data; ch1: data. Returns (before, after) inputs.
  void run_until_second_barrier_missing() {
    env.send_data(sub, 0, 0, readings(100, 103));
    env.send_barrier(sub, 0, 1, 1);
    env.send_data(sub, 0, 1, readings(200, 203)); // after the barrier
    env.send_data(sub, 1, 0, readings(300, 303)); // before its barrier
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(subtask_barrier_suite)

BOOST_AUTO_TEST_CASE(aligned_barrier_blocks_the_channel_until_every_input_delivered_it) {
  barrier_fixture f{barrier_handling::aligned};
  f.run_until_second_barrier_missing();
  // Channel 0 is blocked: its post-barrier batch waits; channel 1 flows.
  auto records = f.log->records();
  auto contains_value = [&](int v) {
    for (auto& r : records)
      if (r.value == v * 10)
        return true;
    return false;
  };
  BOOST_CHECK(contains_value(100));
  BOOST_CHECK(contains_value(300));
  BOOST_CHECK(!contains_value(200));
  BOOST_CHECK(f.log->of(probe_log::barrier).empty());
  f.env.send_barrier(f.sub, 1, 1, 1);
  // Barrier 1 went out once, after exactly the records before it.
  BOOST_REQUIRE_EQUAL(f.log->of(probe_log::barrier).size(), 1u);
  auto [before, after] = split_at_barrier(*f.log);
  auto expected_before = times_ten_of(readings(100, 103));
  auto more = times_ten_of(readings(300, 303));
  expected_before.insert(expected_before.end(), more.begin(), more.end());
  std::sort(before.begin(), before.end(), [](auto& x, auto& y) { return x.value < y.value; });
  BOOST_CHECK(before == expected_before);
  BOOST_CHECK(after == times_ten_of(readings(200, 203)));
  check_protocol(*f.log, 0);
  BOOST_CHECK(!f.down->down);
}

BOOST_AUTO_TEST_CASE(at_least_once_reads_on_and_forwards_on_the_last_barrier) {
  barrier_fixture f{barrier_handling::at_least_once};
  f.run_until_second_barrier_missing();
  BOOST_CHECK_EQUAL(f.log->records().size(), 12u); // nothing blocked
  BOOST_CHECK(f.log->of(probe_log::barrier).empty());
  f.env.send_barrier(f.sub, 1, 1, 1);
  BOOST_CHECK_EQUAL(f.log->of(probe_log::barrier).size(), 1u);
  // The post-barrier records of channel 0 went out before the barrier.
  auto [before, after] = split_at_barrier(*f.log);
  BOOST_CHECK_EQUAL(before.size(), 12u);
  BOOST_CHECK(after.empty());
}

BOOST_AUTO_TEST_CASE(end_of_stream_on_the_other_input_completes_the_alignment) {
  barrier_fixture f{barrier_handling::aligned};
  f.env.send_data(f.sub, 0, 0, readings(100, 103));
  f.env.send_barrier(f.sub, 0, 1, 1);
  f.env.send_data(f.sub, 0, 1, readings(200, 203));
  BOOST_CHECK(f.log->of(probe_log::barrier).empty());
  f.env.send_eos(f.sub, 1, 0);
  BOOST_CHECK_EQUAL(f.log->of(probe_log::barrier).size(), 1u);
  auto [before, after] = split_at_barrier(*f.log);
  BOOST_CHECK(before == times_ten_of(readings(100, 103)));
  BOOST_CHECK(after == times_ten_of(readings(200, 203)));
}

BOOST_AUTO_TEST_CASE(a_newer_barrier_abandons_the_older_alignment) {
  barrier_fixture f{barrier_handling::aligned};
  f.env.send_barrier(f.sub, 0, 0, 1);
  f.env.send_data(f.sub, 0, 0, readings(200, 203)); // blocked behind barrier 1
  f.env.send_barrier(f.sub, 1, 0, 2);               // checkpoint 1 abandoned
  // Channel 0 is read again; its data comes out, then it delivers barrier 2.
  BOOST_CHECK(f.log->records() == times_ten_of(readings(200, 203)));
  f.env.send_barrier(f.sub, 0, 1, 2);
  auto barriers = f.log->of(probe_log::barrier);
  BOOST_REQUIRE_EQUAL(barriers.size(), 1u);
  check_protocol(*f.log, 0);
}

BOOST_AUTO_TEST_SUITE_END()
