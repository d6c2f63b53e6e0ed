// Fault injection: killed and failing subtasks fail the job, naming the
// operator and subtask, without hanging. (Restarts come with recovery.)
#include <boost/test/unit_test.hpp>

#include <caf/all.hpp>

#include "actors/job/job_master.hpp"
#include "operators/environment.hpp"

namespace {

struct order {
  int32_t id = 0;
};

/// Counts orders per id; throws on a poisoned record.
class poisoned_counter final : public sluice::keyed_process_function<int32_t, order, int64_t> {
public:
  void open(sluice::keyed_context<int32_t>& ctx) override {
    n_ = &ctx.state(sluice::value_state_descriptor<int64_t>{"n"});
  }
  void process_element(const order& o, sluice::keyed_context<int32_t>& ctx,
                       sluice::collector<int64_t>& out) override {
    if (o.id == 13)
      ctx.fail("poisoned order 13");
    n_->update(n_->value_or(0) + 1);
    out.collect(*n_->value());
  }

private:
  sluice::value_state<int64_t>* n_ = nullptr;
};

const auto bound = std::chrono::seconds{10};

} // namespace

BOOST_AUTO_TEST_SUITE(subtask_failure)

// Injects: exit_reason::kill on the map subtask 2/2 of a running job.
// Checks: running -> failed within 10 s; the cause names the task and subtask.
BOOST_AUTO_TEST_CASE(killed_subtask_fails_the_job) {
  sluice::environment env;
  env.set_parallelism(2);
  sluice::click_source_options opts;
  opts.count = 0;
  opts.rate = 2000;
  env.click_events(opts)
    .rebalance()
    .map([](const sluice::event& e) { return e.url; })
    .collect();
  auto job = env.execute_async("kill-me");
  BOOST_CHECK(!job.wait_for(std::chrono::milliseconds{100}));
  BOOST_REQUIRE_EQUAL(sluice::to_string(job.status()), "running");
  caf::scoped_actor self{env.system()};
  std::vector<sluice::subtask_actor> subtasks;
  self->request(sluice::master_of(job), caf::infinite, sluice::subtasks_atom::value)
    .receive([&](std::vector<sluice::subtask_actor>& xs) { subtasks = std::move(xs); },
             [&](caf::error& err) { BOOST_FAIL(env.system().render(err)); });
  BOOST_REQUIRE_EQUAL(subtasks.size(), 4u); // 2 sources + 2 map chains
  caf::anon_send_exit(subtasks[3], caf::exit_reason::kill);
  auto result = job.wait_for(bound);
  BOOST_REQUIRE_MESSAGE(result, "job did not fail within 10 s");
  BOOST_CHECK_EQUAL(sluice::to_string(result->status), "failed");
  BOOST_CHECK(result->code == sluice::ec::subtask_failed);
  BOOST_CHECK_MESSAGE(result->message.find("(2/2)") != std::string::npos, result->message);
  BOOST_CHECK_MESSAGE(result->message.find("map") != std::string::npos, result->message);
  BOOST_CHECK_MESSAGE(result->message.find("kill") != std::string::npos, result->message);
}

// Injects: an exception in user code on one record.
// Checks: the job fails with ec::operator_failed naming the operator,
// subtask and the user's reason.
BOOST_AUTO_TEST_CASE(throwing_operator_fails_the_job) {
  sluice::environment env;
  env.set_parallelism(2);
  std::vector<order> orders;
  for (int32_t i = 0; i < 1000; ++i)
    orders.push_back({i % 20});
  env.from_collection(orders)
    .key_by([](const order& o) { return o.id; })
    .process(poisoned_counter{})
    .collect();
  auto result = env.execute_async("poison").wait_for(bound);
  BOOST_REQUIRE_MESSAGE(result, "job did not fail within 10 s");
  BOOST_CHECK_EQUAL(sluice::to_string(result->status), "failed");
  BOOST_CHECK(result->code == sluice::ec::operator_failed);
  BOOST_CHECK_MESSAGE(result->message.find("keyed_process (") != std::string::npos,
                      result->message);
  BOOST_CHECK_MESSAGE(result->message.find("poisoned order 13") != std::string::npos,
                      result->message);
}

// Injects: exit_reason::kill on the job master itself.
// Checks: its linked subtasks die with it, so the actor system can shut
// down (the test would hang at the environment's destructor otherwise).
BOOST_AUTO_TEST_CASE(killed_job_master_takes_its_subtasks_down) {
  sluice::click_source_options opts;
  opts.count = 0;
  opts.rate = 1000;
  sluice::environment env;
  env.click_events(opts).collect();
  auto job = env.execute_async("orphans");
  BOOST_CHECK(!job.wait_for(std::chrono::milliseconds{50}));
  caf::scoped_actor self{env.system()};
  std::vector<sluice::subtask_actor> subtasks;
  self->request(sluice::master_of(job), caf::infinite, sluice::subtasks_atom::value)
    .receive([&](std::vector<sluice::subtask_actor>& xs) { subtasks = std::move(xs); },
             [&](caf::error& err) { BOOST_FAIL(env.system().render(err)); });
  BOOST_REQUIRE(!subtasks.empty());
  self->monitor(subtasks.front());
  caf::anon_send_exit(sluice::master_of(job), caf::exit_reason::kill);
  bool down = false;
  self->receive([&](const caf::down_msg&) { down = true; },
                caf::after(bound) >> [] {});
  BOOST_CHECK(down);
}

BOOST_AUTO_TEST_SUITE_END()
