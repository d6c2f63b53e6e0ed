// The subtask actor on CAF's deterministic test coordinator: deployed by
// hand from a small execution plan, fed data / watermark / end-of-stream
// messages directly, its output received by a probe actor that implements
// the real `subtask_actor` interface. Checks the channel protocol (sequence
// numbers, attempt ids), watermark combination, end of input, and failures
// (sequence gap, throwing operator) ending the actor with a sluice error.
#include "actors/subtask.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/error.hpp"
#include "actors/job_graph.hpp"
#include "actors/system_config.hpp"
#include "operators/basic_operators.hpp"
#include "operators/partitioners.hpp"
#include "operators/sinks.hpp"
#include "operators/sources.hpp"

namespace {

using namespace sluice;
using namespace std::chrono_literals;

struct reading {
  int sensor = 0;
  int value = 0;

  friend bool operator==(const reading&, const reading&) = default;
};

std::ostream& operator<<(std::ostream& os, const reading& r) {
  return os << "reading{" << r.sensor << ", " << r.value << "}";
}

constexpr uint64_t attempt = 7;
constexpr uint32_t batch_size = 4;

// --- probe: a receiver implementing the real subtask interface ---------------

/// Everything a probe received, in arrival order.
struct probe_log {
  enum kind_t { data, watermark, barrier, eos };
  struct entry {
    kind_t kind;
    uint64_t attempt;
    uint32_t channel;
    uint64_t seq;
    timestamp watermark = 0;
    std::vector<reading> records;
  };
  std::vector<entry> entries;
  bool deployed = false;

  std::vector<entry> of(kind_t k) const {
    std::vector<entry> out;
    for (auto& e : entries)
      if (e.kind == k)
        out.push_back(e);
    return out;
  }

  std::vector<reading> records() const {
    std::vector<reading> out;
    for (auto& e : of(data))
      out.insert(out.end(), e.records.begin(), e.records.end());
    return out;
  }
};

using probe_log_ptr = std::shared_ptr<probe_log>;

subtask_actor::behavior_type probe(subtask_actor::pointer, probe_log_ptr log) {
  return {
    [=](deploy_atom, deployment_ptr) { log->deployed = true; },
    [=](const data_msg& m) {
      std::vector<reading> xs;
      if (m.records)
        xs = records_of<reading>(*m.records);
      log->entries.push_back({probe_log::data, m.attempt, m.channel, m.seq, 0, std::move(xs)});
    },
    [=](const barrier_msg& m) {
      log->entries.push_back({probe_log::barrier, m.attempt, m.channel, m.seq, 0, {}});
    },
    [=](const watermark_msg& m) {
      log->entries.push_back(
        {probe_log::watermark, m.attempt, m.channel, m.seq, m.watermark, {}});
    },
    [=](const eos_msg& m) {
      log->entries.push_back({probe_log::eos, m.attempt, m.channel, m.seq, 0, {}});
    },
    [=](run_atom) {},
    [=](flush_atom) {},
  };
}

// --- watcher: monitors a subtask and keeps its exit reason -------------------

struct down_info {
  bool down = false;
  caf::error reason;
};

using down_info_ptr = std::shared_ptr<down_info>;

caf::behavior watcher(caf::event_based_actor* self, subtask_actor target, down_info_ptr info) {
  self->monitor(target);
  self->set_down_handler([=](caf::down_msg& m) {
    info->down = true;
    info->reason = m.reason;
    self->quit();
  });
  return {[](int) {}};
}

// --- the job under test --------------------------------------------------------

auto times_ten = [](const reading& r) {
  if (r.value == 13)
    throw std::runtime_error("unlucky record 13");
  return reading{r.sensor, r.value * 10};
};
auto not_negative = [](const reading& r) { return r.value >= 0; };

/// src (p=2) --rebalance--> map -> filter (p=1) --rebalance--> collect (p=1).
/// Vertex 1 ("map -> filter" or "<map_name> -> filter") has two input
/// channels and one output channel.
std::shared_ptr<const execution_plan> make_plan(collected_ptr<reading> out,
                                                std::string map_name = "map") {
  job_graph g;
  g.name = "subtask-test";
  auto data = std::make_shared<const std::vector<reading>>(std::vector<reading>{
    {0, 1}, {1, 2}, {0, 3}, {1, 4}, {0, 5}, {1, 6}, {0, 7}, {1, 8}, {0, 9}, {1, 10}, {0, 11}});
  auto add = [&](std::string name, uint32_t p, bool source, operator_factory f) {
    job_node n;
    n.id = static_cast<uint32_t>(g.nodes.size());
    n.name = std::move(name);
    n.parallelism = p;
    n.source = source;
    n.factory = std::move(f);
    g.nodes.push_back(std::move(n));
  };
  add("src", 2, true, [data] { return std::make_unique<collection_source<reading>>(data); });
  add(map_name, 1, false, [] {
    return std::make_unique<map_operator<reading, reading, decltype(times_ten)>>(times_ten);
  });
  add("filter", 1, false, [] {
    return std::make_unique<filter_operator<reading, decltype(not_negative)>>(not_negative);
  });
  add("collect", 1, false, [out] { return std::make_unique<collect_sink<reading>>(out); });
  auto edge = [&](uint32_t from, uint32_t to, partitioning kind) {
    g.edges.push_back(job_edge{from, to, kind, make_router_factory<reading>()});
  };
  edge(0, 1, partitioning::rebalance);
  edge(1, 2, partitioning::forward);
  edge(2, 3, partitioning::rebalance);
  pipeline_config cfg;
  cfg.parallelism = 1;
  cfg.max_parallelism = 128;
  cfg.batch_size = batch_size;
  cfg.buffer_timeout = 100ms;
  return std::make_shared<const execution_plan>(build_execution_plan(std::move(g), cfg));
}

/// An actor system on the test coordinator, plus helpers to deploy subtasks.
struct actor_env {
  static caf::actor_system_config& prepare(caf::actor_system_config& cfg) {
    cfg.set("scheduler.policy", caf::atom("testing"));
    register_sluice(cfg);
    return cfg;
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  std::vector<caf::actor_addr> started;
  std::vector<subtask_actor> typed_started;
  std::vector<caf::actor> untyped_started;

  actor_env()
    : sys(prepare(cfg)),
      sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
  }

  ~actor_env() {
    // Stop whatever is still running so that the system can shut down.
    for (auto& a : typed_started)
      caf::anon_send_exit(a, caf::exit_reason::kill);
    for (auto& a : untyped_started)
      caf::anon_send_exit(a, caf::exit_reason::kill);
    sched.run();
  }

  subtask_actor spawn_probe(probe_log_ptr log) {
    auto p = sys.spawn(probe, std::move(log));
    typed_started.push_back(p);
    return p;
  }

  /// Spawns a subtask and a watcher that monitors it.
  subtask_actor spawn_subtask(down_info_ptr info) {
    auto s = sys.spawn(subtask);
    typed_started.push_back(s);
    untyped_started.push_back(sys.spawn(watcher, s, std::move(info)));
    sched.run();
    return s;
  }

  /// Deploys `sub` as subtask `index` of `vertex`; every output channel of
  /// every outgoing edge leads to `receiver`.
  void deploy(subtask_actor sub, std::shared_ptr<const execution_plan> plan, uint32_t vertex,
              uint32_t index, subtask_actor receiver, uint64_t att = attempt) {
    auto dep = std::make_shared<deployment>();
    dep->attempt = att;
    dep->vertex = vertex;
    dep->subtask_index = index;
    dep->plan = plan;
    dep->num_inputs = plan->num_input_channels(vertex, index);
    for (auto e : plan->outgoing(vertex)) {
      output_gate_spec gate;
      for (auto& target : plan->output_channels(e, index)) {
        gate.receivers.push_back(receiver);
        gate.channels.push_back(target.channel);
      }
      dep->outputs.push_back(std::move(gate));
    }
    caf::anon_send(sub, deploy_atom::value, deployment_ptr{std::move(dep)});
    sched.run();
  }

  void send_data(subtask_actor sub, uint32_t channel, uint64_t seq, std::vector<reading> xs,
                 uint64_t att = attempt) {
    caf::anon_send(sub, data_msg{att, channel, seq, make_batch(std::move(xs))});
    sched.run();
  }

  void send_watermark(subtask_actor sub, uint32_t channel, uint64_t seq, timestamp wm) {
    caf::anon_send(sub, watermark_msg{attempt, channel, seq, wm});
    sched.run();
  }

  void send_eos(subtask_actor sub, uint32_t channel, uint64_t seq) {
    caf::anon_send(sub, eos_msg{attempt, channel, seq});
    sched.run();
  }
};

std::vector<reading> readings(int first, int last) {
  std::vector<reading> out;
  for (int i = first; i <= last; ++i)
    out.push_back({i % 2, i});
  return out;
}

std::vector<reading> times_ten_of(const std::vector<reading>& xs) {
  std::vector<reading> out;
  for (auto& x : xs)
    out.push_back({x.sensor, x.value * 10});
  return out;
}

/// Checks the channel protocol of everything `log` received on `channel`:
/// data seq 0, 1, 2, ...; control messages carry the number of data
/// messages before them; every message carries `att`.
void check_protocol(const probe_log& log, uint32_t channel, uint64_t att = attempt) {
  uint64_t data_seen = 0;
  for (auto& e : log.entries) {
    if (e.channel != channel)
      continue;
    BOOST_CHECK_EQUAL(e.attempt, att);
    BOOST_CHECK_EQUAL(e.seq, data_seen);
    if (e.kind == probe_log::data)
      ++data_seen;
  }
}

} // namespace

BOOST_AUTO_TEST_SUITE(subtask_test)

BOOST_AUTO_TEST_CASE(plan_under_test_has_the_expected_shape) {
  auto plan = make_plan(std::make_shared<collected<reading>>());
  BOOST_REQUIRE_EQUAL(plan->vertices.size(), 3u);
  BOOST_CHECK_EQUAL(plan->vertices[1].name, "map -> filter");
  BOOST_CHECK_EQUAL(plan->num_input_channels(1, 0), 2u);
  BOOST_CHECK_EQUAL(plan->num_input_channels(2, 0), 1u);
  BOOST_REQUIRE_EQUAL(plan->outgoing(1).size(), 1u);
}

BOOST_AUTO_TEST_CASE(data_messages_carry_increasing_seq_and_attempt) {
  actor_env env;
  auto log = std::make_shared<probe_log>();
  auto down = std::make_shared<down_info>();
  auto plan = make_plan(std::make_shared<collected<reading>>());
  auto rcv = env.spawn_probe(log);
  auto sub = env.spawn_subtask(down);
  env.deploy(sub, plan, 1, 0, rcv);
  // Full batches (batch size 4) leave right away, one data message each.
  env.send_data(sub, 0, 0, readings(1, 4));
  env.send_data(sub, 1, 0, readings(5, 8));
  env.send_data(sub, 0, 1, readings(9, 12));
  auto data = log->of(probe_log::data);
  BOOST_REQUIRE_EQUAL(data.size(), 3u);
  for (uint64_t i = 0; i < data.size(); ++i) {
    BOOST_CHECK_EQUAL(data[i].seq, i);
    BOOST_CHECK_EQUAL(data[i].attempt, attempt);
    BOOST_CHECK_EQUAL(data[i].channel, 0u);
  }
  auto got = log->records();
  auto expected = times_ten_of(readings(1, 12));
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(), expected.end());
  BOOST_CHECK(!down->down);
  check_protocol(*log, 0);
}

BOOST_AUTO_TEST_CASE(end_of_stream_flushes_sends_eos_and_terminates_normally) {
  actor_env env;
  auto log = std::make_shared<probe_log>();
  auto down = std::make_shared<down_info>();
  auto plan = make_plan(std::make_shared<collected<reading>>());
  auto rcv = env.spawn_probe(log);
  auto sub = env.spawn_subtask(down);
  env.deploy(sub, plan, 1, 0, rcv);
  env.send_data(sub, 0, 0, readings(1, 6)); // one full batch, 2 records held
  env.send_data(sub, 1, 0, readings(7, 7)); // held
  BOOST_CHECK_EQUAL(log->of(probe_log::data).size(), 1u);
  env.send_eos(sub, 0, 1);
  BOOST_CHECK(!down->down); // channel 1 still open
  BOOST_CHECK(log->of(probe_log::eos).empty());
  env.send_eos(sub, 1, 1);
  BOOST_CHECK(down->down);
  BOOST_CHECK_MESSAGE(!down->reason, "subtask ended with " << render(down->reason));
  auto data = log->of(probe_log::data);
  auto eos = log->of(probe_log::eos);
  BOOST_CHECK_EQUAL(data.size(), 2u);
  BOOST_REQUIRE_EQUAL(eos.size(), 1u);
  BOOST_CHECK_EQUAL(eos[0].seq, data.size());
  BOOST_CHECK_EQUAL(eos[0].attempt, attempt);
  // eos is the last message
  BOOST_CHECK(log->entries.back().kind == probe_log::eos);
  auto got = log->records();
  auto expected = times_ten_of(readings(1, 7));
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(), expected.end());
  check_protocol(*log, 0);
}

BOOST_AUTO_TEST_CASE(buffer_timeout_flushes_a_partial_batch) {
  actor_env env;
  auto log = std::make_shared<probe_log>();
  auto down = std::make_shared<down_info>();
  auto plan = make_plan(std::make_shared<collected<reading>>());
  auto rcv = env.spawn_probe(log);
  auto sub = env.spawn_subtask(down);
  env.deploy(sub, plan, 1, 0, rcv);
  env.send_data(sub, 0, 0, readings(1, 2));
  BOOST_CHECK(log->of(probe_log::data).empty());
  env.sched.advance_time(100ms);
  env.sched.run();
  auto data = log->of(probe_log::data);
  BOOST_REQUIRE_EQUAL(data.size(), 1u);
  BOOST_CHECK_EQUAL(data[0].records.size(), 2u);
  BOOST_CHECK_EQUAL(data[0].seq, 0u);
  BOOST_CHECK(!down->down);
}

BOOST_AUTO_TEST_CASE(watermark_forwarded_only_when_the_minimum_advances) {
  actor_env env;
  auto log = std::make_shared<probe_log>();
  auto down = std::make_shared<down_info>();
  auto plan = make_plan(std::make_shared<collected<reading>>());
  auto rcv = env.spawn_probe(log);
  auto sub = env.spawn_subtask(down);
  env.deploy(sub, plan, 1, 0, rcv);
  env.send_watermark(sub, 0, 0, 10); // channel 1 unknown yet: min stays
  BOOST_CHECK(log->of(probe_log::watermark).empty());
  env.send_watermark(sub, 1, 0, 5); // min 5
  env.send_watermark(sub, 1, 0, 20); // min 10
  env.send_watermark(sub, 0, 0, 10); // nothing new
  env.send_watermark(sub, 0, 0, 8);  // goes back: ignored
  env.send_watermark(sub, 1, 0, 30); // channel 0 still holds 10
  env.send_watermark(sub, 0, 0, 25); // min 25
  auto wms = log->of(probe_log::watermark);
  std::vector<timestamp> got;
  for (auto& w : wms)
    got.push_back(w.watermark);
  std::vector<timestamp> expected{5, 10, 25};
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(), expected.end());
  check_protocol(*log, 0);
  BOOST_CHECK(!down->down);
}

BOOST_AUTO_TEST_CASE(watermark_follows_the_data_before_it) {
  actor_env env;
  auto log = std::make_shared<probe_log>();
  auto down = std::make_shared<down_info>();
  auto plan = make_plan(std::make_shared<collected<reading>>());
  auto rcv = env.spawn_probe(log);
  auto sub = env.spawn_subtask(down);
  env.deploy(sub, plan, 1, 0, rcv);
  env.send_data(sub, 0, 0, readings(1, 2)); // buffered in the router
  env.send_watermark(sub, 0, 1, 100);
  env.send_watermark(sub, 1, 0, 100);
  // The partial batch is flushed before the watermark leaves.
  BOOST_REQUIRE_EQUAL(log->entries.size(), 2u);
  BOOST_CHECK(log->entries[0].kind == probe_log::data);
  BOOST_CHECK(log->entries[1].kind == probe_log::watermark);
  BOOST_CHECK_EQUAL(log->entries[1].watermark, 100);
  BOOST_CHECK_EQUAL(log->entries[1].seq, 1u);
  check_protocol(*log, 0);
}

BOOST_AUTO_TEST_CASE(message_of_an_old_attempt_is_dropped) {
  actor_env env;
  auto log = std::make_shared<probe_log>();
  auto down = std::make_shared<down_info>();
  auto plan = make_plan(std::make_shared<collected<reading>>());
  auto rcv = env.spawn_probe(log);
  auto sub = env.spawn_subtask(down);
  env.deploy(sub, plan, 1, 0, rcv);
  env.send_data(sub, 0, 0, readings(1, 4), attempt - 1);
  BOOST_CHECK(log->entries.empty());
  BOOST_CHECK(!down->down);
  // A stale seq number in the old attempt did not consume seq 0.
  env.send_data(sub, 0, 0, readings(5, 8));
  auto data = log->of(probe_log::data);
  BOOST_REQUIRE_EQUAL(data.size(), 1u);
  BOOST_CHECK_EQUAL(data[0].seq, 0u);
  auto got = log->records();
  auto expected = times_ten_of(readings(5, 8));
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(), expected.end());
  // Old-attempt control messages are dropped too (eos would end the task).
  caf::anon_send(sub, eos_msg{attempt - 1, 0, 0});
  caf::anon_send(sub, eos_msg{attempt - 1, 1, 0});
  env.sched.run();
  BOOST_CHECK(!down->down);
  BOOST_CHECK(log->of(probe_log::eos).empty());
}

BOOST_AUTO_TEST_CASE(sequence_gap_fails_the_subtask) {
  actor_env env;
  auto log = std::make_shared<probe_log>();
  auto down = std::make_shared<down_info>();
  auto plan = make_plan(std::make_shared<collected<reading>>());
  auto rcv = env.spawn_probe(log);
  auto sub = env.spawn_subtask(down);
  env.deploy(sub, plan, 1, 0, rcv);
  env.send_data(sub, 1, 0, readings(1, 4));
  env.send_data(sub, 1, 2, readings(5, 8)); // seq 1 lost
  BOOST_REQUIRE(down->down);
  BOOST_CHECK(code_of(down->reason) == ec::subtask_failed);
  auto text = render(down->reason);
  BOOST_TEST_MESSAGE("seq gap: " << text);
  BOOST_CHECK_MESSAGE(text.find("channel 1") != std::string::npos, text);
  BOOST_CHECK_MESSAGE(text.find("map -> filter") != std::string::npos, text);
  // A lost message is not the fault of the chain's head operator; the error
  // should name the subtask, not claim that operator 'map' failed.
  BOOST_CHECK_MESSAGE(text.find("operator 'map") == std::string::npos,
                      "sequence gap blamed on an operator: " << text);
  // Nothing of the message after the gap was passed on.
  BOOST_CHECK_EQUAL(log->records().size(), 4u);
  BOOST_CHECK(log->of(probe_log::eos).empty());
}

BOOST_AUTO_TEST_CASE(eos_after_lost_data_fails_the_subtask) {
  actor_env env;
  auto log = std::make_shared<probe_log>();
  auto down = std::make_shared<down_info>();
  auto plan = make_plan(std::make_shared<collected<reading>>());
  auto rcv = env.spawn_probe(log);
  auto sub = env.spawn_subtask(down);
  env.deploy(sub, plan, 1, 0, rcv);
  env.send_data(sub, 0, 0, readings(1, 4));
  env.send_eos(sub, 1, 0);
  env.send_eos(sub, 0, 2); // the sender sent 2 data messages, we saw 1
  BOOST_REQUIRE(down->down);
  BOOST_CHECK(code_of(down->reason) == ec::subtask_failed);
  BOOST_CHECK(log->of(probe_log::eos).empty()); // no clean end downstream
}

BOOST_AUTO_TEST_CASE(throwing_operator_fails_the_subtask_naming_it) {
  actor_env env;
  auto log = std::make_shared<probe_log>();
  auto down = std::make_shared<down_info>();
  auto plan = make_plan(std::make_shared<collected<reading>>(), "unlucky-map");
  auto rcv = env.spawn_probe(log);
  auto sub = env.spawn_subtask(down);
  env.deploy(sub, plan, 1, 0, rcv);
  env.send_data(sub, 0, 0, readings(1, 4));
  BOOST_CHECK(!down->down);
  env.send_data(sub, 0, 1, readings(12, 14)); // 13 throws
  BOOST_REQUIRE(down->down);
  BOOST_CHECK(code_of(down->reason) == ec::operator_failed);
  auto text = render(down->reason);
  BOOST_TEST_MESSAGE("operator failure: " << text);
  BOOST_CHECK_MESSAGE(text.find("unlucky-map") != std::string::npos, text);
  BOOST_CHECK_MESSAGE(text.find("unlucky record 13") != std::string::npos, text);
  BOOST_CHECK(log->of(probe_log::eos).empty());
}

BOOST_AUTO_TEST_CASE(sink_subtask_collects_and_finishes) {
  actor_env env;
  auto out = std::make_shared<collected<reading>>();
  auto down = std::make_shared<down_info>();
  auto log = std::make_shared<probe_log>();
  auto plan = make_plan(out);
  auto rcv = env.spawn_probe(log); // unused: the sink vertex has no outputs
  auto sub = env.spawn_subtask(down);
  env.deploy(sub, plan, 2, 0, rcv);
  env.send_data(sub, 0, 0, readings(1, 3));
  env.send_data(sub, 0, 1, readings(4, 5));
  env.send_eos(sub, 0, 2);
  BOOST_CHECK(down->down);
  BOOST_CHECK_MESSAGE(!down->reason, render(down->reason));
  auto got = out->values();
  auto expected = readings(1, 5);
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(), expected.end());
  BOOST_CHECK(log->entries.empty());
}

BOOST_AUTO_TEST_CASE(source_subtask_emits_its_share_and_eos) {
  actor_env env;
  auto log = std::make_shared<probe_log>();
  auto down = std::make_shared<down_info>();
  auto plan = make_plan(std::make_shared<collected<reading>>());
  auto rcv = env.spawn_probe(log);
  auto sub = env.spawn_subtask(down);
  env.deploy(sub, plan, 0, 1, rcv); // subtask 1 of 2: elements 1, 3, 5, ...
  env.sched.run();
  BOOST_CHECK(down->down);
  BOOST_CHECK_MESSAGE(!down->reason, render(down->reason));
  auto got = log->records();
  std::vector<reading> expected{{1, 2}, {1, 4}, {1, 6}, {1, 8}, {1, 10}};
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(), expected.end());
  auto eos = log->of(probe_log::eos);
  BOOST_REQUIRE_EQUAL(eos.size(), 1u);
  BOOST_CHECK_EQUAL(eos[0].seq, log->of(probe_log::data).size());
  // Receiver-side channel of sender 1 on a rebalance edge is 1.
  BOOST_CHECK_EQUAL(eos[0].channel, 1u);
  check_protocol(*log, 1);
}

BOOST_AUTO_TEST_SUITE_END()
