// Shared fixture of the subtask actor tests (subtask_test.cpp,
// subtask_protocol_test.cpp): a small execution plan, a probe actor that
// implements the real `subtask_actor` interface and records what it
// receives, a watcher that keeps a subtask's exit reason, and an actor
// system on CAF's deterministic test coordinator.
#pragma once

#include "actors/subtask/subtask.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/contract/error.hpp"
#include "actors/contract/job_graph.hpp"
#include "actors/config/system_config.hpp"
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

[[maybe_unused]] std::ostream& operator<<(std::ostream& os, const reading& r) {
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
  /// Credits granted to the probe as a sender (gate, channel, credits).
  std::vector<credit_msg> credits;
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
    [=](timer_atom) {},
    [=](const credit_msg& m) { log->credits.push_back(m); },
    [=](pump_atom) {},
    [=](const trigger_msg&) {},
    [=](const checkpoint_done_msg&) {},
    [=](align_timeout_atom, uint64_t) {},
    [=](heartbeat_atom) { return uint64_t{0}; },
  };
}

// --- coordinator stand-in: records acks and declines --------------------------

struct coordinator_log {
  std::vector<ack_msg> acks;
  std::vector<decline_msg> declines;
  std::vector<subtask_state_msg> states;
};

using coordinator_log_ptr = std::shared_ptr<coordinator_log>;

caf::behavior fake_coordinator(caf::event_based_actor*, coordinator_log_ptr log) {
  return {
    [=](const ack_msg& m) { log->acks.push_back(m); },
    [=](const decline_msg& m) { log->declines.push_back(m); },
    [=](const subtask_state_msg& m) { log->states.push_back(m); },
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
    g.edges.push_back(job_edge{from, to, kind, make_router_factory<reading>(), {}, {}});
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

  caf::actor spawn_coordinator(coordinator_log_ptr log) {
    auto c = sys.spawn(fake_coordinator, std::move(log));
    untyped_started.push_back(c);
    return c;
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
  /// every outgoing edge leads to `receiver`. With an `upstream` actor, input
  /// channel c comes from its gate 0, channel c (credits go there).
  void deploy(subtask_actor sub, std::shared_ptr<const execution_plan> plan, uint32_t vertex,
              uint32_t index, subtask_actor receiver, uint64_t att = attempt,
              subtask_actor upstream = {},
              barrier_handling barriers = barrier_handling::aligned,
              caf::actor coordinator = {}) {
    auto dep = std::make_shared<deployment>();
    dep->attempt = att;
    dep->vertex = vertex;
    dep->subtask_index = index;
    dep->plan = plan;
    dep->num_inputs = plan->num_input_channels(vertex, index);
    dep->barriers = barriers;
    if (coordinator)
      dep->coordinator = coordinator.address();
    if (upstream)
      for (uint32_t c = 0; c < dep->num_inputs; ++c)
        dep->inputs.push_back(input_channel_spec{upstream, 0, c});
    for (auto e : plan->outgoing(vertex)) {
      output_gate_spec gate;
      for (auto& target : plan->output_channels(e, index)) {
        gate.receivers.push_back(receiver);
        gate.channels.push_back(target.channel);
      }
      dep->outputs.push_back(std::move(gate));
    }
    caf::anon_send(sub, deploy_atom::value, deployment_ptr{std::move(dep)});
    if (run_after_deploy)
      sched.run();
  }

  /// false: `deploy` leaves the deploy message in the mailbox (step with
  /// sched.run_once()).
  bool run_after_deploy = true;

  void send_data(subtask_actor sub, uint32_t channel, uint64_t seq, std::vector<reading> xs,
                 uint64_t att = attempt) {
    caf::anon_send(sub, data_msg{att, channel, seq, make_batch(std::move(xs))});
    sched.run();
  }

  void send_watermark(subtask_actor sub, uint32_t channel, uint64_t seq, timestamp wm) {
    caf::anon_send(sub, watermark_msg{attempt, channel, seq, wm});
    sched.run();
  }

  void send_barrier(subtask_actor sub, uint32_t channel, uint64_t seq, uint64_t id) {
    caf::anon_send(sub, barrier_msg{attempt, channel, seq, id, 1000 + static_cast<timestamp>(id)});
    sched.run();
  }

  void send_eos(subtask_actor sub, uint32_t channel, uint64_t seq) {
    caf::anon_send(sub, eos_msg{attempt, channel, seq});
    sched.run();
  }
};

[[maybe_unused]] std::vector<reading> readings(int first, int last) {
  std::vector<reading> out;
  for (int i = first; i <= last; ++i)
    out.push_back({i % 2, i});
  return out;
}

[[maybe_unused]] std::vector<reading> times_ten_of(const std::vector<reading>& xs) {
  std::vector<reading> out;
  for (auto& x : xs)
    out.push_back({x.sensor, x.value * 10});
  return out;
}

/// Checks the channel protocol of everything `log` received on `channel`:
/// data seq 0, 1, 2, ...; control messages carry the number of data
/// messages before them; every message carries `att`.
[[maybe_unused]] void check_protocol(const probe_log& log, uint32_t channel, uint64_t att = attempt) {
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

/// The common case: vertex 1 ("map -> filter", two input channels) of
/// `make_plan`, subtask 0, deployed with the probe as its only receiver.
struct deployed_map_filter {
  actor_env env;
  probe_log_ptr log = std::make_shared<probe_log>();
  down_info_ptr down = std::make_shared<down_info>();
  std::shared_ptr<const execution_plan> plan
    = make_plan(std::make_shared<collected<reading>>());
  subtask_actor rcv = env.spawn_probe(log);
  subtask_actor sub = env.spawn_subtask(down);

  deployed_map_filter() {
    env.deploy(sub, plan, 1, 0, rcv);
  }
};

} // namespace
