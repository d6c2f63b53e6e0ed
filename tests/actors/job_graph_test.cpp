// build_execution_plan: chaining of forward edges, partitioning resolution,
// channel wiring between vertices, uid generation and the checks that reject
// malformed graphs with ec::invalid_job_graph naming the operator.
#include "actors/contract/job_graph.hpp"

#include <boost/test/unit_test.hpp>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "operators/basic_operators.hpp"
#include "operators/partitioners.hpp"
#include "operators/sinks.hpp"
#include "operators/sources.hpp"

namespace job_graph_test {

namespace {

using namespace sluice;

struct reading {
  int sensor = 0;
  int value = 0;
};

auto times_two = [](const reading& r) { return reading{r.sensor, r.value * 2}; };
auto positive = [](const reading& r) { return r.value > 0; };
auto by_sensor = [](const reading& r) { return r.sensor; };

/// Builds job graphs node by node (ids are positions).
struct graph_maker {
  job_graph g;

  explicit graph_maker(std::string name = "job") {
    g.name = std::move(name);
  }

  uint32_t source(std::string name, uint32_t parallelism = 0, std::string uid = {}) {
    auto data = std::make_shared<const std::vector<reading>>();
    return add(std::move(name), parallelism, std::move(uid), true,
               [data] { return std::make_unique<collection_source<reading>>(data); });
  }

  uint32_t map(std::string name, uint32_t parallelism = 0, std::string uid = {}) {
    return add(std::move(name), parallelism, std::move(uid), false, [] {
      return std::make_unique<map_operator<reading, reading, decltype(times_two)>>(times_two);
    });
  }

  uint32_t filter(std::string name, uint32_t parallelism = 0, std::string uid = {}) {
    return add(std::move(name), parallelism, std::move(uid), false, [] {
      return std::make_unique<filter_operator<reading, decltype(positive)>>(positive);
    });
  }

  uint32_t sink(std::string name, uint32_t parallelism = 0) {
    auto out = std::make_shared<collected<reading>>();
    return add(std::move(name), parallelism, {}, false,
               [out] { return std::make_unique<collect_sink<reading>>(out); });
  }

  void edge(uint32_t from, uint32_t to, partitioning kind = partitioning::automatic,
            std::string side_output = {}) {
    job_edge e;
    e.from = from;
    e.to = to;
    e.kind = kind;
    e.side_output = std::move(side_output);
    e.make_router = kind == partitioning::hash
                      ? make_hash_router_factory<reading>(by_sensor)
                      : make_router_factory<reading>();
    g.edges.push_back(std::move(e));
  }

private:
  uint32_t add(std::string name, uint32_t parallelism, std::string uid, bool source,
               operator_factory f) {
    job_node n;
    n.id = static_cast<uint32_t>(g.nodes.size());
    n.name = std::move(name);
    n.uid = std::move(uid);
    n.parallelism = parallelism;
    n.source = source;
    n.factory = std::move(f);
    g.nodes.push_back(std::move(n));
    return g.nodes.back().id;
  }
};

pipeline_config config(uint32_t parallelism = 1, uint32_t max_parallelism = 128) {
  pipeline_config cfg;
  cfg.parallelism = parallelism;
  cfg.max_parallelism = max_parallelism;
  return cfg;
}

/// Expects build_execution_plan to reject `g` with invalid_job_graph and a
/// message containing every string of `needles`.
void check_rejected(const job_graph& g, const pipeline_config& cfg,
                    const std::vector<std::string>& needles) {
  try {
    build_execution_plan(g, cfg);
    BOOST_ERROR("build_execution_plan accepted an invalid graph");
  } catch (const sluice::exception& e) {
    BOOST_CHECK(e.code() == ec::invalid_job_graph);
    std::string what = e.what();
    for (auto& needle : needles)
      BOOST_CHECK_MESSAGE(what.find(needle) != std::string::npos,
                          "message '" << what << "' does not contain '" << needle << "'");
  }
}

/// Checks that, per receiver subtask of every vertex, the channel indices the
/// senders use are exactly 0 .. num_input_channels - 1, each once.
void check_wiring(const execution_plan& plan) {
  // (vertex, subtask) -> channel indices used by senders
  std::map<std::pair<uint32_t, uint32_t>, std::multiset<uint32_t>> used;
  for (size_t e = 0; e < plan.edges.size(); ++e) {
    auto& edge = plan.edges[e];
    for (uint32_t s = 0; s < plan.vertices[edge.from].parallelism; ++s)
      for (auto& t : plan.output_channels(e, s)) {
        BOOST_CHECK_LT(t.subtask, plan.vertices[edge.to].parallelism);
        used[{edge.to, t.subtask}].insert(t.channel);
      }
  }
  for (auto& v : plan.vertices)
    for (uint32_t i = 0; i < v.parallelism; ++i) {
      auto& channels = used[{v.id, i}];
      auto n = plan.num_input_channels(v.id, i);
      BOOST_CHECK_EQUAL(channels.size(), n);
      for (uint32_t c = 0; c < n; ++c)
        BOOST_CHECK_MESSAGE(channels.count(c) == 1, "vertex " << v.id << " subtask " << i
                                                              << " channel " << c << " used "
                                                              << channels.count(c) << " times");
    }
}

} // namespace

BOOST_AUTO_TEST_SUITE(job_graph_test)

BOOST_AUTO_TEST_CASE(forward_edges_of_equal_parallelism_are_chained) {
  graph_maker m;
  auto a = m.source("a");
  auto b = m.map("b");
  auto c = m.filter("c");
  m.edge(a, b, partitioning::forward);
  m.edge(b, c, partitioning::automatic);
  auto plan = build_execution_plan(m.g, config(2));
  BOOST_REQUIRE_EQUAL(plan.vertices.size(), 1u);
  BOOST_CHECK_EQUAL(plan.vertices[0].name, "a -> b -> c");
  BOOST_CHECK_EQUAL(plan.vertices[0].parallelism, 2u);
  BOOST_CHECK((plan.vertices[0].chain == std::vector<uint32_t>{0, 1, 2}));
  BOOST_CHECK(plan.edges.empty());
  BOOST_CHECK_EQUAL(plan.num_input_channels(0, 0), 0u);
  // Default parallelism resolved on every node.
  for (auto& n : plan.nodes)
    BOOST_CHECK_EQUAL(n.parallelism, 2u);
}

BOOST_AUTO_TEST_CASE(parallelism_change_breaks_the_chain) {
  graph_maker m;
  auto a = m.source("a", 2);
  auto b = m.map("b", 3);
  auto c = m.filter("c", 3);
  m.edge(a, b); // automatic, 2 -> 3: rebalance
  m.edge(b, c); // automatic, 3 -> 3: forward, chained
  auto plan = build_execution_plan(m.g, config());
  BOOST_REQUIRE_EQUAL(plan.vertices.size(), 2u);
  BOOST_CHECK_EQUAL(plan.vertices[0].name, "a");
  BOOST_CHECK_EQUAL(plan.vertices[0].parallelism, 2u);
  BOOST_CHECK_EQUAL(plan.vertices[1].name, "b -> c");
  BOOST_CHECK_EQUAL(plan.vertices[1].parallelism, 3u);
  BOOST_REQUIRE_EQUAL(plan.edges.size(), 1u);
  BOOST_CHECK_EQUAL(plan.edges[0].from, 0u);
  BOOST_CHECK_EQUAL(plan.edges[0].to, 1u);
  BOOST_CHECK(plan.edges[0].kind == partitioning::rebalance);
  check_wiring(plan);
}

BOOST_AUTO_TEST_CASE(hash_edge_breaks_the_chain) {
  graph_maker m;
  auto a = m.source("a");
  auto b = m.map("b");
  auto c = m.sink("c");
  m.edge(a, b, partitioning::hash);
  m.edge(b, c);
  auto plan = build_execution_plan(m.g, config(2));
  BOOST_REQUIRE_EQUAL(plan.vertices.size(), 2u);
  BOOST_CHECK_EQUAL(plan.vertices[0].name, "a");
  BOOST_CHECK_EQUAL(plan.vertices[1].name, "b -> c");
  BOOST_REQUIRE_EQUAL(plan.edges.size(), 1u);
  BOOST_CHECK(plan.edges[0].kind == partitioning::hash);
  check_wiring(plan);
}

// A side output edge never chains, even when it is the sender's only
// consumer over a forward edge: the sender ends its vertex, and the plan
// edge keeps the tag.
BOOST_AUTO_TEST_CASE(side_output_edge_breaks_the_chain) {
  graph_maker m;
  auto a = m.source("a");
  auto b = m.map("b");
  auto c = m.sink("c");
  m.edge(a, b);
  m.edge(b, c, partitioning::forward, "late");
  auto plan = build_execution_plan(m.g, config(2));
  BOOST_REQUIRE_EQUAL(plan.vertices.size(), 2u);
  BOOST_CHECK_EQUAL(plan.vertices[0].name, "a -> b");
  BOOST_CHECK_EQUAL(plan.vertices[1].name, "c");
  BOOST_REQUIRE_EQUAL(plan.edges.size(), 1u);
  BOOST_CHECK_EQUAL(plan.edges[0].side_output, "late");
  BOOST_CHECK(plan.edges[0].kind == partitioning::forward);
  check_wiring(plan);
}

BOOST_AUTO_TEST_CASE(rebalance_and_broadcast_edges_are_not_chained) {
  for (auto kind : {partitioning::rebalance, partitioning::broadcast}) {
    graph_maker m;
    auto a = m.source("a");
    auto b = m.map("b");
    m.edge(a, b, kind);
    auto plan = build_execution_plan(m.g, config(2));
    BOOST_CHECK_EQUAL(plan.vertices.size(), 2u);
    BOOST_REQUIRE_EQUAL(plan.edges.size(), 1u);
    BOOST_CHECK(plan.edges[0].kind == kind);
    check_wiring(plan);
  }
}

BOOST_AUTO_TEST_CASE(automatic_resolves_to_forward_or_rebalance) {
  graph_maker m;
  auto a = m.source("a", 2);
  auto b = m.map("b", 2);
  auto c = m.filter("c", 4);
  auto d = m.sink("d", 4);
  m.edge(a, b);
  m.edge(b, c);
  m.edge(c, d);
  auto plan = build_execution_plan(m.g, config());
  BOOST_REQUIRE_EQUAL(plan.vertices.size(), 2u);
  BOOST_CHECK_EQUAL(plan.vertices[0].name, "a -> b");
  BOOST_CHECK_EQUAL(plan.vertices[1].name, "c -> d");
  BOOST_REQUIRE_EQUAL(plan.edges.size(), 1u);
  BOOST_CHECK(plan.edges[0].kind == partitioning::rebalance);
  for (auto& e : plan.edges)
    BOOST_CHECK(e.kind != partitioning::automatic);
}

BOOST_AUTO_TEST_CASE(upstream_with_two_consumers_is_not_chained) {
  graph_maker m;
  auto a = m.source("a");
  auto b = m.map("b");
  auto c = m.filter("c");
  m.edge(a, b, partitioning::forward);
  m.edge(a, c, partitioning::forward);
  auto plan = build_execution_plan(m.g, config(2));
  BOOST_REQUIRE_EQUAL(plan.vertices.size(), 3u);
  BOOST_CHECK_EQUAL(plan.vertices[0].name, "a");
  BOOST_CHECK_EQUAL(plan.vertices[1].name, "b");
  BOOST_CHECK_EQUAL(plan.vertices[2].name, "c");
  BOOST_REQUIRE_EQUAL(plan.edges.size(), 2u);
  for (auto& e : plan.edges)
    BOOST_CHECK(e.kind == partitioning::forward);
  BOOST_CHECK_EQUAL(plan.outgoing(0).size(), 2u);
  BOOST_CHECK_EQUAL(plan.incoming(1).size(), 1u);
  BOOST_CHECK_EQUAL(plan.incoming(2).size(), 1u);
  check_wiring(plan);
}

BOOST_AUTO_TEST_CASE(forward_edge_wiring_is_one_to_one) {
  graph_maker m;
  auto a = m.source("a");
  auto b = m.map("b");
  auto c = m.filter("c");
  m.edge(a, b, partitioning::forward);
  m.edge(a, c, partitioning::forward);
  auto plan = build_execution_plan(m.g, config(3));
  for (size_t e = 0; e < plan.edges.size(); ++e)
    for (uint32_t s = 0; s < 3; ++s) {
      auto out = plan.output_channels(e, s);
      BOOST_REQUIRE_EQUAL(out.size(), 1u);
      BOOST_CHECK_EQUAL(out[0].subtask, s);
      BOOST_CHECK_EQUAL(out[0].channel, 0u);
    }
  for (uint32_t v = 1; v < 3; ++v)
    for (uint32_t s = 0; s < 3; ++s)
      BOOST_CHECK_EQUAL(plan.num_input_channels(v, s), 1u);
}

BOOST_AUTO_TEST_CASE(all_to_all_edge_wiring) {
  graph_maker m;
  auto a = m.source("a", 3);
  auto b = m.map("b", 2);
  m.edge(a, b, partitioning::hash);
  auto plan = build_execution_plan(m.g, config());
  BOOST_REQUIRE_EQUAL(plan.edges.size(), 1u);
  for (uint32_t s = 0; s < 3; ++s) {
    auto out = plan.output_channels(0, s);
    BOOST_REQUIRE_EQUAL(out.size(), 2u); // one channel per receiver, in order
    for (uint32_t r = 0; r < 2; ++r) {
      BOOST_CHECK_EQUAL(out[r].subtask, r);
      BOOST_CHECK_EQUAL(out[r].channel, s); // sender s is input channel s
    }
  }
  for (uint32_t r = 0; r < 2; ++r)
    BOOST_CHECK_EQUAL(plan.num_input_channels(1, r), 3u);
  check_wiring(plan);
}

BOOST_AUTO_TEST_CASE(wiring_of_a_larger_graph_uses_every_channel_once) {
  graph_maker m;
  auto a = m.source("a", 4);
  auto b = m.map("b", 4);
  auto c = m.filter("c", 2);
  auto d = m.sink("d", 3);
  auto e = m.sink("e", 4);
  m.edge(a, b, partitioning::forward);
  m.edge(b, c, partitioning::rebalance);
  m.edge(b, e, partitioning::broadcast);
  m.edge(c, d, partitioning::hash);
  auto plan = build_execution_plan(m.g, config());
  BOOST_CHECK_EQUAL(plan.vertices.size(), 4u); // a -> b, c, d, e
  BOOST_CHECK_EQUAL(plan.vertices[0].name, "a -> b");
  for (auto& edge : plan.edges)
    BOOST_CHECK_LT(edge.from, edge.to);
  check_wiring(plan);
}

BOOST_AUTO_TEST_CASE(generated_uids_are_stable_and_distinct) {
  auto make = [] {
    graph_maker m;
    auto a = m.source("a");
    auto b = m.map("map");
    auto c = m.map("map"); // same name, different position
    m.edge(a, b, partitioning::rebalance);
    m.edge(b, c, partitioning::rebalance);
    return m.g;
  };
  auto p1 = build_execution_plan(make(), config());
  auto p2 = build_execution_plan(make(), config());
  BOOST_REQUIRE_EQUAL(p1.nodes.size(), 3u);
  std::set<std::string> uids;
  for (size_t i = 0; i < p1.nodes.size(); ++i) {
    BOOST_CHECK(!p1.nodes[i].uid.empty());
    BOOST_CHECK_EQUAL(p1.nodes[i].uid, p2.nodes[i].uid);
    uids.insert(p1.nodes[i].uid);
  }
  BOOST_CHECK_EQUAL(uids.size(), 3u);
  // A different topology gives the downstream nodes different uids.
  graph_maker other;
  auto a = other.source("a");
  auto x = other.filter("x");
  auto b = other.map("map");
  other.edge(a, x, partitioning::rebalance);
  other.edge(x, b, partitioning::rebalance);
  auto p3 = build_execution_plan(other.g, config());
  BOOST_CHECK_EQUAL(p3.nodes[0].uid, p1.nodes[0].uid); // same source
  BOOST_CHECK_NE(p3.nodes[2].uid, p1.nodes[2].uid);
}

BOOST_AUTO_TEST_CASE(user_uids_are_kept) {
  graph_maker m;
  auto a = m.source("a", 0, "my-source");
  auto b = m.map("b", 0, "my-map");
  auto c = m.filter("c");
  m.edge(a, b);
  m.edge(b, c);
  auto plan = build_execution_plan(m.g, config());
  BOOST_CHECK_EQUAL(plan.nodes[0].uid, "my-source");
  BOOST_CHECK_EQUAL(plan.nodes[1].uid, "my-map");
  BOOST_CHECK(!plan.nodes[2].uid.empty());
  BOOST_CHECK_NE(plan.nodes[2].uid, "my-map");
}

BOOST_AUTO_TEST_CASE(duplicate_uid_is_rejected) {
  graph_maker m;
  auto a = m.source("a", 0, "same");
  auto b = m.map("dup-map", 0, "same");
  m.edge(a, b);
  check_rejected(m.g, config(), {"same"});
}

BOOST_AUTO_TEST_CASE(parallelism_above_max_parallelism_is_rejected) {
  graph_maker m;
  auto a = m.source("a");
  auto b = m.map("wide-map", 9);
  m.edge(a, b);
  check_rejected(m.g, config(1, 8), {"wide-map", "9", "8"});
}

BOOST_AUTO_TEST_CASE(default_parallelism_above_max_parallelism_is_rejected) {
  graph_maker m;
  m.source("big-source");
  check_rejected(m.g, config(16, 8), {"big-source"});
}

BOOST_AUTO_TEST_CASE(forward_edge_with_unequal_parallelism_is_rejected) {
  graph_maker m;
  auto a = m.source("fwd-src", 2);
  auto b = m.map("fwd-map", 3);
  m.edge(a, b, partitioning::forward);
  check_rejected(m.g, config(), {"fwd-src", "fwd-map"});
}

BOOST_AUTO_TEST_CASE(non_source_without_input_is_rejected) {
  graph_maker m;
  m.source("a");
  m.map("orphan-map");
  check_rejected(m.g, config(), {"orphan-map"});
}

BOOST_AUTO_TEST_CASE(source_with_input_is_rejected) {
  graph_maker m;
  auto a = m.source("a");
  auto b = m.source("fed-source");
  m.edge(a, b);
  check_rejected(m.g, config(), {"fed-source"});
}

BOOST_AUTO_TEST_CASE(backward_edge_and_empty_graph_are_rejected) {
  graph_maker m;
  auto a = m.source("a");
  auto b = m.map("b");
  m.edge(b, a);
  check_rejected(m.g, config(), {});
  graph_maker empty;
  check_rejected(empty.g, config(), {});
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace job_graph_test
