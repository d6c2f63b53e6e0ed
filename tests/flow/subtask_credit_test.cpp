// Credit-based flow control in the subtask actor, step by step on CAF's
// deterministic test coordinator: a receiver that grants no credit stops
// the subtask after `buffers-per-channel` batches, the subtask then stops
// reading its inputs (and granting credit upstream), and end-of-stream waits
// until everything queued went out.
#include "../actors/subtask_fixture.hpp"

namespace {

/// map -> filter (vertex 1) between an upstream probe (credits) and a
/// downstream probe that grants credit only when the test says so.
struct credit_fixture {
  actor_env env;
  probe_log_ptr up_log = std::make_shared<probe_log>();
  probe_log_ptr log = std::make_shared<probe_log>();
  down_info_ptr down = std::make_shared<down_info>();
  std::shared_ptr<const execution_plan> plan;
  subtask_actor up = env.spawn_probe(up_log);
  subtask_actor rcv = env.spawn_probe(log);
  subtask_actor sub = env.spawn_subtask(down);
  uint32_t window = 0;

  explicit credit_fixture(bool credit_based = true) {
    auto p = std::make_shared<execution_plan>(
      *make_plan(std::make_shared<collected<reading>>()));
    p->config.credit_based = credit_based;
    window = p->config.buffers_per_channel;
    plan = p;
    env.deploy(sub, plan, 1, 0, rcv, attempt, up);
  }

  /// Input batch i (4 records, values that pass map and filter).
  static std::vector<reading> input(int i) {
    return readings(100 + 4 * i, 103 + 4 * i);
  }

  void send_batches(uint32_t channel, int n) {
    for (int i = 0; i < n; ++i)
      env.send_data(sub, channel, i, input(i));
  }

  void grant(uint32_t n) {
    caf::anon_send(sub, credit_msg{attempt, 0, 0, n});
    env.sched.run();
  }

  size_t data_out() const {
    return log->of(probe_log::data).size();
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(subtask_credit_suite)

BOOST_AUTO_TEST_CASE(receiver_without_credit_stops_the_subtask_after_the_window) {
  credit_fixture f;
  BOOST_REQUIRE_GE(f.window, 1u);
  f.send_batches(0, 3 * static_cast<int>(f.window));
  // Exactly the window went out; one more output batch waits for credit.
  BOOST_CHECK_EQUAL(f.data_out(), f.window);
  // It consumed window + 1 input batches and granted credit for each.
  BOOST_CHECK_EQUAL(f.up_log->credits.size(), f.window + 1);
  for (auto& c : f.up_log->credits) {
    BOOST_CHECK_EQUAL(c.attempt, attempt);
    BOOST_CHECK_EQUAL(c.channel, 0u);
    BOOST_CHECK_EQUAL(c.credits, 1u);
  }
  BOOST_CHECK(!f.down->down);
}

BOOST_AUTO_TEST_CASE(granted_credit_resumes_reading_inputs) {
  credit_fixture f;
  f.send_batches(0, 3 * static_cast<int>(f.window));
  f.grant(f.window);
  BOOST_CHECK_EQUAL(f.data_out(), 2 * f.window);
  BOOST_CHECK_EQUAL(f.up_log->credits.size(), 2 * f.window + 1);
  f.grant(100);
  BOOST_CHECK_EQUAL(f.data_out(), 3 * f.window);
  BOOST_CHECK_EQUAL(f.up_log->credits.size(), 3 * f.window);
  check_protocol(*f.log, 0);
}

BOOST_AUTO_TEST_CASE(end_of_stream_waits_until_the_output_queue_drained) {
  credit_fixture f;
  int n = 3 * static_cast<int>(f.window);
  f.send_batches(0, n);
  f.env.send_eos(f.sub, 0, n);
  f.env.send_eos(f.sub, 1, 0);
  BOOST_CHECK(!f.down->down);
  BOOST_CHECK(f.log->of(probe_log::eos).empty());
  f.grant(1000);
  BOOST_CHECK(f.down->down);
  BOOST_CHECK(!f.down->reason);
  std::vector<reading> all;
  for (int i = 0; i < n; ++i) {
    auto xs = credit_fixture::input(i);
    all.insert(all.end(), xs.begin(), xs.end());
  }
  BOOST_CHECK(f.log->records() == times_ten_of(all));
  BOOST_CHECK_EQUAL(f.log->of(probe_log::eos).size(), 1u);
  check_protocol(*f.log, 0);
}

BOOST_AUTO_TEST_CASE(without_credits_everything_goes_out_at_once) {
  credit_fixture f{false};
  f.send_batches(0, 3 * static_cast<int>(f.window));
  BOOST_CHECK_EQUAL(f.data_out(), 3 * f.window);
  BOOST_CHECK(f.up_log->credits.empty());
}

BOOST_AUTO_TEST_CASE(credit_of_an_old_attempt_is_dropped) {
  credit_fixture f;
  f.send_batches(0, 3 * static_cast<int>(f.window));
  caf::anon_send(f.sub, credit_msg{attempt - 1, 0, 0, 100});
  f.env.sched.run();
  BOOST_CHECK_EQUAL(f.data_out(), f.window);
  BOOST_CHECK(!f.down->down);
}

BOOST_AUTO_TEST_CASE(credit_for_an_unknown_output_fails_the_subtask) {
  credit_fixture f;
  caf::anon_send(f.sub, credit_msg{attempt, 3, 0, 1});
  f.env.sched.run();
  BOOST_REQUIRE(f.down->down);
  BOOST_CHECK(code_of(f.down->reason) == ec::subtask_failed);
  BOOST_CHECK_NE(render(f.down->reason).find("credit for unknown output 3/0"),
                 std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
