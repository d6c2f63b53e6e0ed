// The checkpoint coordinator actor on CAF's deterministic test coordinator:
// no real time, no sleeps. The coordinator reads the actor system's clock,
// so advancing the test clock fires its trigger interval and expires its
// checkpoints. Recorders that implement the real subtask interface stand in
// for the subtasks (they record triggers and checkpoint notices), a stand-in
// master records what the coordinator tells the job master; the test sends
// the subtasks' state reports, acks and declines by hand, in a fixed order.
//   - interval -> trigger to the sources only -> every ack -> completed,
//     `_metadata` in storage, every subtask told;
//   - a decline aborts the checkpoint, counts as a failure and, past
//     tolerable-failures (0), tells the master (ec::checkpoint_failure);
//   - a checkpoint not acknowledged within its timeout expires when the
//     test clock passes it; a late ack changes nothing;
//   - a failover (suspend) aborts what is pending as job_failover, names
//     the newest completed checkpoint to restore, ignores the old attempt's
//     acks; resume triggers again for the new attempt.
#include "tests/actors/subtask_fixture.hpp"

#include "actors/checkpoint/checkpoint_coordinator.hpp"

namespace {

constexpr uint64_t first_attempt = 1;

struct recorder_log {
  std::vector<trigger_msg> triggers;
  std::vector<checkpoint_done_msg> done;
};

using recorder_log_ptr = std::shared_ptr<recorder_log>;

/// A subtask stand-in that records what the coordinator sends it.
subtask_actor::behavior_type recorder(subtask_actor::pointer, recorder_log_ptr log) {
  return {
    [=](deploy_atom, deployment_ptr) {},
    [=](const data_msg&) {},
    [=](const barrier_msg&) {},
    [=](const watermark_msg&) {},
    [=](const eos_msg&) {},
    [=](run_atom) {},
    [=](flush_atom) {},
    [=](timer_atom) {},
    [=](const credit_msg&) {},
    [=](pump_atom) {},
    [=](const trigger_msg& m) { log->triggers.push_back(m); },
    [=](const checkpoint_done_msg& m) { log->done.push_back(m); },
    [=](align_timeout_atom, uint64_t) {},
    [=](heartbeat_atom) { return uint64_t{0}; },
  };
}

/// The job master stand-in: keeps every `fail_atom` error.
caf::behavior master_stand_in(caf::event_based_actor*, std::shared_ptr<std::vector<caf::error>> fails) {
  return {
    [=](fail_atom, const caf::error& err) { fails->push_back(err); },
  };
}

/// Asks the coordinator to suspend for `attempt` and keeps the answer.
struct suspend_answer {
  bool answered = false;
  restore_ptr point;
  caf::error err;
};

caf::behavior suspend_asker(caf::event_based_actor* self, caf::actor coordinator,
                            uint64_t attempt, std::shared_ptr<suspend_answer> out) {
  self->request(coordinator, caf::infinite, suspend_atom::value, attempt)
    .then(
      [=](restore_ptr& p) {
        out->answered = true;
        out->point = std::move(p);
      },
      [=](caf::error& err) {
        out->answered = true;
        out->err = std::move(err);
      });
  return {[](int) {}};
}

struct coordinator_fixture {
  actor_env env;
  std::shared_ptr<const execution_plan> plan;
  std::shared_ptr<job_board> board = std::make_shared<job_board>();
  checkpoint_storage_ptr storage = checkpoint_storage::memory("coordinator-test");
  std::shared_ptr<std::vector<caf::error>> fails = std::make_shared<std::vector<caf::error>>();
  /// logs[v][i] and subtasks[v][i], as the master would deploy them.
  std::vector<std::vector<recorder_log_ptr>> logs;
  std::vector<std::vector<subtask_actor>> subtasks;
  caf::actor coordinator;

  /// The subtask test plan (src p=2 -> map -> filter p=1 -> collect p=1:
  /// four subtasks, the two sources in vertex 0) with checkpointing.
  void start(checkpoint_config cfg) {
    auto p = *make_plan(std::make_shared<collected<reading>>());
    cfg.storage = checkpoint_storage_type::memory;
    p.checkpointing = cfg;
    plan = std::make_shared<const execution_plan>(std::move(p));
    spawn_subtasks();
    auto master = env.sys.spawn(master_stand_in, fails);
    env.untyped_started.push_back(master);
    coordinator_actor typed = env.sys.spawn(checkpoint_coordinator, plan, board, storage,
                                            first_attempt, subtasks, master);
    coordinator = caf::actor_cast<caf::actor>(typed);
    env.untyped_started.push_back(coordinator);
    env.sched.run();
  }

  void spawn_subtasks() {
    logs.clear();
    subtasks.clear();
    logs.resize(plan->vertices.size());
    subtasks.resize(plan->vertices.size());
    for (auto& v : plan->vertices) {
      for (uint32_t i = 0; i < v.parallelism; ++i) {
        logs[v.id].push_back(std::make_shared<recorder_log>());
        auto r = env.sys.spawn(recorder, logs[v.id].back());
        env.typed_started.push_back(r);
        subtasks[v.id].push_back(r);
      }
    }
  }

  template <class F>
  void each_subtask(F f) {
    for (auto& v : plan->vertices)
      for (uint32_t i = 0; i < v.parallelism; ++i)
        f(v.id, i);
  }

  /// Every subtask of `att` reports that it runs.
  void all_running(uint64_t att = first_attempt) {
    each_subtask([&](uint32_t v, uint32_t i) {
      caf::anon_send(coordinator, subtask_state_msg{att, v, i, false});
    });
    env.sched.run();
  }

  void ack(uint64_t id, uint32_t v, uint32_t i, uint64_t att = first_attempt) {
    ack_msg m;
    m.attempt = att;
    m.checkpoint_id = id;
    m.vertex = v;
    m.subtask_index = i;
    caf::anon_send(coordinator, m);
    env.sched.run();
  }

  void ack_all(uint64_t id, uint64_t att = first_attempt) {
    each_subtask([&](uint32_t v, uint32_t i) { ack(id, v, i, att); });
  }

  /// Advances the test clock by `d` and handles what became due.
  void advance(std::chrono::milliseconds d) {
    env.sched.advance_time(d);
    env.sched.run();
  }

  checkpoint_stats_snapshot stats() const {
    return board->checkpoint_stats();
  }

  /// Ids of the triggers subtask (v, i) received.
  std::vector<uint64_t> triggered(uint32_t v, uint32_t i) const {
    std::vector<uint64_t> ids;
    for (auto& t : logs[v][i]->triggers)
      ids.push_back(t.checkpoint_id);
    return ids;
  }

  /// Checkpoint `id` in the published history, if there.
  std::optional<checkpoint_stats_entry> entry(uint64_t id) const {
    for (auto& e : stats().history)
      if (e.checkpoint_id == id)
        return e;
    return std::nullopt;
  }
};

checkpoint_config every(std::chrono::milliseconds interval, std::chrono::milliseconds timeout) {
  checkpoint_config cfg;
  cfg.interval = interval;
  cfg.timeout = timeout;
  cfg.min_pause = 0ms;
  cfg.max_concurrent = 1;
  cfg.tolerable_failures = checkpoint_config::unlimited_tolerable_failures;
  return cfg;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(checkpoint_coordinator_deterministic, coordinator_fixture)

BOOST_AUTO_TEST_CASE(the_interval_triggers_the_sources_and_every_ack_completes_it) {
  start(every(100ms, 10s));
  all_running();
  advance(99ms);
  BOOST_CHECK(triggered(0, 0).empty()); // the interval has not passed
  advance(1ms);
  // Only the sources get the trigger; the rest see barriers.
  BOOST_CHECK(triggered(0, 0) == std::vector<uint64_t>{1});
  BOOST_CHECK(triggered(0, 1) == std::vector<uint64_t>{1});
  BOOST_CHECK(triggered(1, 0).empty());
  BOOST_CHECK(triggered(2, 0).empty());
  BOOST_CHECK_EQUAL(stats().counts.in_progress, 1u);
  // Three of four acks: still pending, nobody told.
  ack(1, 0, 0);
  ack(1, 0, 1);
  ack(1, 1, 0);
  BOOST_CHECK_EQUAL(stats().counts.completed, 0u);
  BOOST_REQUIRE(entry(1));
  BOOST_CHECK_EQUAL(entry(1)->num_acknowledged_subtasks, 3u);
  BOOST_CHECK(logs[2][0]->done.empty());
  ack(1, 2, 0);
  auto s = stats();
  BOOST_CHECK_EQUAL(s.counts.completed, 1u);
  BOOST_CHECK_EQUAL(s.counts.in_progress, 0u);
  BOOST_REQUIRE(s.latest_completed);
  BOOST_CHECK_EQUAL(s.latest_completed->checkpoint_id, 1u);
  BOOST_CHECK(storage->completed_ids() == std::set<uint64_t>{1});
  each_subtask([&](uint32_t v, uint32_t i) {
    BOOST_REQUIRE_EQUAL(logs[v][i]->done.size(), 1u);
    auto& d = logs[v][i]->done.front();
    BOOST_CHECK_EQUAL(d.checkpoint_id, 1u);
    BOOST_CHECK(d.completed);
    BOOST_CHECK(!d.final);
  });
  // The next interval triggers checkpoint 2.
  advance(100ms);
  BOOST_CHECK((triggered(0, 0) == std::vector<uint64_t>{1, 2}));
  BOOST_CHECK(fails->empty());
}

BOOST_AUTO_TEST_CASE(a_decline_aborts_the_checkpoint_and_past_the_tolerance_tells_the_master) {
  auto cfg = every(100ms, 10s);
  cfg.tolerable_failures = 0;
  start(cfg);
  all_running();
  advance(100ms);
  BOOST_REQUIRE(triggered(0, 0) == std::vector<uint64_t>{1});
  ack(1, 0, 0);
  caf::anon_send(coordinator, decline_msg{first_attempt, 1, 1, 0,
                                          checkpoint_failure_reason::checkpoint_declined,
                                          "alignment abandoned"});
  env.sched.run();
  auto s = stats();
  BOOST_CHECK_EQUAL(s.counts.failed, 1u);
  BOOST_CHECK_EQUAL(s.counts.completed, 0u);
  BOOST_REQUIRE(s.latest_failed);
  BOOST_CHECK_EQUAL(s.latest_failed->checkpoint_id, 1u);
  BOOST_CHECK(s.latest_failed->failure_reason == checkpoint_failure_reason::checkpoint_declined);
  BOOST_CHECK_MESSAGE(s.latest_failed->failure_message.find("alignment abandoned")
                        != std::string::npos,
                      s.latest_failed->failure_message);
  // Every subtask is told that checkpoint 1 will not complete.
  each_subtask([&](uint32_t v, uint32_t i) {
    BOOST_REQUIRE_EQUAL(logs[v][i]->done.size(), 1u);
    BOOST_CHECK(!logs[v][i]->done.front().completed);
  });
  // One failure more than the tolerated 0: the master hears of it, and the
  // coordinator triggers nothing more until a restarted attempt resumes it.
  BOOST_REQUIRE_EQUAL(fails->size(), 1u);
  BOOST_CHECK(code_of(fails->front()) == ec::checkpoint_failure);
  BOOST_CHECK(storage->completed_ids().empty());
  advance(1000ms);
  BOOST_CHECK(triggered(0, 0) == std::vector<uint64_t>{1});
  // A late ack of the aborted checkpoint changes nothing.
  ack(1, 2, 0);
  BOOST_CHECK_EQUAL(stats().counts.completed, 0u);
}

// The failure reason is the decline's cause, sent as an enum: the text is
// for people only (a declined checkpoint whose text says "asynchronous" is
// still declined, an asynchronous failure whose text does not is still one).
BOOST_AUTO_TEST_CASE(a_declines_cause_travels_as_an_enum_not_in_its_text) {
  start(every(100ms, 10s));
  all_running();
  advance(100ms);
  BOOST_REQUIRE(triggered(0, 0) == std::vector<uint64_t>{1});
  caf::anon_send(coordinator, decline_msg{first_attempt, 1, 0, 0,
                                          checkpoint_failure_reason::checkpoint_async_exception,
                                          "disk full"});
  env.sched.run();
  auto s = stats();
  BOOST_REQUIRE(s.latest_failed);
  BOOST_CHECK(s.latest_failed->failure_reason
              == checkpoint_failure_reason::checkpoint_async_exception);
  advance(100ms);
  BOOST_REQUIRE((triggered(0, 0) == std::vector<uint64_t>{1, 2}));
  caf::anon_send(coordinator, decline_msg{first_attempt, 2, 0, 0,
                                          checkpoint_failure_reason::checkpoint_declined,
                                          "asynchronous input ended"});
  env.sched.run();
  s = stats();
  BOOST_REQUIRE(s.latest_failed);
  BOOST_CHECK_EQUAL(s.latest_failed->checkpoint_id, 2u);
  BOOST_CHECK(s.latest_failed->failure_reason == checkpoint_failure_reason::checkpoint_declined);
}

BOOST_AUTO_TEST_CASE(a_checkpoint_not_acknowledged_in_time_expires_on_the_test_clock) {
  start(every(100ms, 500ms));
  all_running();
  advance(100ms);
  BOOST_REQUIRE(triggered(0, 0) == std::vector<uint64_t>{1});
  ack(1, 0, 0);
  ack(1, 0, 1);
  ack(1, 1, 0); // the sink never acks
  advance(499ms);
  BOOST_CHECK_EQUAL(stats().counts.failed, 0u); // not yet due
  BOOST_CHECK_EQUAL(stats().counts.in_progress, 1u);
  // Past the deadline: expired at the coordinator's next tick (ticks are at
  // most one interval apart while a checkpoint is pending).
  advance(100ms);
  auto s = stats();
  BOOST_CHECK_EQUAL(s.counts.failed, 1u);
  BOOST_CHECK_EQUAL(s.counts.completed, 0u);
  BOOST_REQUIRE(entry(1));
  BOOST_CHECK(entry(1)->status == checkpoint_status::failed);
  BOOST_CHECK(entry(1)->failure_reason == checkpoint_failure_reason::checkpoint_expired);
  BOOST_REQUIRE_EQUAL(logs[2][0]->done.size(), 1u);
  BOOST_CHECK(!logs[2][0]->done.front().completed);
  // The sink's late ack does not complete it.
  ack(1, 2, 0);
  BOOST_CHECK_EQUAL(stats().counts.completed, 0u);
  BOOST_CHECK(storage->completed_ids().empty());
  BOOST_CHECK(fails->empty()); // tolerable-failures unlimited here
}

BOOST_AUTO_TEST_CASE(a_checkpoint_expires_at_its_deadline_while_the_next_trigger_is_overdue) {
  // Interval 100 ms, timeout 250 ms, one checkpoint at a time: from 200 ms
  // on the next trigger is overdue (checkpoint 1 is still pending), and the
  // coordinator used to wake up only every interval then (200, 300, 400),
  // so checkpoint 1 expired at 400 ms instead of at its deadline, 350 ms.
  start(every(100ms, 250ms));
  all_running();
  advance(100ms);
  BOOST_REQUIRE(triggered(0, 0) == std::vector<uint64_t>{1});
  for (int step = 0; step < 24; ++step) // to 340 ms
    advance(10ms);
  BOOST_CHECK_EQUAL(stats().counts.failed, 0u);
  advance(10ms); // 350 ms: the deadline
  BOOST_CHECK_EQUAL(stats().counts.failed, 1u);
  BOOST_REQUIRE(entry(1));
  BOOST_CHECK(entry(1)->failure_reason == checkpoint_failure_reason::checkpoint_expired);
}

BOOST_AUTO_TEST_CASE(a_failover_aborts_pending_checkpoints_and_names_the_latest_completed) {
  start(every(100ms, 10s));
  all_running();
  advance(100ms);
  ack_all(1);
  BOOST_REQUIRE_EQUAL(stats().counts.completed, 1u);
  advance(100ms);
  BOOST_REQUIRE((triggered(0, 0) == std::vector<uint64_t>{1, 2}));
  ack(2, 0, 0);
  // The master suspends the coordinator for attempt 2.
  auto answer = std::make_shared<suspend_answer>();
  env.untyped_started.push_back(env.sys.spawn(suspend_asker, coordinator, 2, answer));
  env.sched.run();
  BOOST_REQUIRE(answer->answered);
  BOOST_REQUIRE_MESSAGE(!answer->err, env.sys.render(answer->err));
  BOOST_REQUIRE(answer->point);
  BOOST_CHECK_EQUAL(answer->point->checkpoint_id(), 1u);
  BOOST_REQUIRE(entry(2));
  BOOST_CHECK(entry(2)->failure_reason == checkpoint_failure_reason::job_failover);
  // Suspended: no trigger, and the old attempt's acks are dropped.
  advance(1000ms);
  BOOST_CHECK((triggered(0, 0) == std::vector<uint64_t>{1, 2}));
  ack_all(2, first_attempt);
  BOOST_CHECK_EQUAL(stats().counts.completed, 1u);
  // Resumed with the redeployed subtasks of attempt 2: checkpoints go on,
  // with ids after the ones already used.
  auto old_logs = logs;
  spawn_subtasks();
  caf::anon_send(coordinator, resume_atom::value, uint64_t{2}, subtasks);
  env.sched.run();
  all_running(2);
  advance(100ms);
  BOOST_REQUIRE_EQUAL(logs[0][0]->triggers.size(), 1u);
  auto next = logs[0][0]->triggers.front();
  BOOST_CHECK_EQUAL(next.attempt, 2u);
  BOOST_CHECK_GT(next.checkpoint_id, 2u);
  ack_all(next.checkpoint_id, 2);
  BOOST_CHECK_EQUAL(stats().counts.completed, 2u);
  BOOST_CHECK(storage->completed_ids().count(next.checkpoint_id) == 1);
  BOOST_CHECK(old_logs[0][0]->triggers.size() == 2u); // nothing more for attempt 1
  BOOST_CHECK(fails->empty());
}

BOOST_AUTO_TEST_SUITE_END()
