#include "actors/contract/job_graph.hpp"

#include <set>

#include "snapshot/error.hpp"

namespace sluice {

const char* to_string(partitioning p) noexcept {
  switch (p) {
    case partitioning::automatic: return "automatic";
    case partitioning::forward: return "forward";
    case partitioning::rebalance: return "rebalance";
    case partitioning::hash: return "hash";
    case partitioning::broadcast: return "broadcast";
  }
  return "unknown";
}

namespace {

[[noreturn]] void invalid(const std::string& what) {
  throw exception(ec::invalid_job_graph, "invalid job graph: " + what);
}

/// FNV-1a over the chain of names up to this node: stable across builds and
/// runs of the same program, different for different topologies.
std::string generated_uid(const job_graph& g, uint32_t id,
                          const std::vector<std::string>& uids) {
  uint64_t h = 14695981039346656037ull;
  auto mix = [&](const std::string& s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;
    h *= 1099511628211ull;
  };
  mix(g.nodes[id].name);
  mix(std::to_string(id));
  for (auto& e : g.edges)
    if (e.to == id)
      mix(uids[e.from]);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "auto-";
  for (int i = 60; i >= 0; i -= 4)
    out += hex[(h >> i) & 0xf];
  return out;
}

} // namespace

execution_plan build_execution_plan(job_graph graph, const pipeline_config& cfg) {
  auto n = graph.nodes.size();
  if (n == 0)
    invalid("the job has no operators");
  std::vector<std::vector<size_t>> in(n), out(n);
  for (size_t i = 0; i < graph.edges.size(); ++i) {
    auto& e = graph.edges[i];
    if (e.from >= n || e.to >= n || e.from >= e.to)
      invalid("edge " + std::to_string(e.from) + " -> " + std::to_string(e.to)
              + " does not go forward in the graph");
    if (!e.make_router)
      invalid("edge into '" + graph.nodes[e.to].name + "' has no router");
    out[e.from].push_back(i);
    in[e.to].push_back(i);
  }
  std::vector<std::string> uids(n);
  std::set<std::string> seen;
  for (uint32_t i = 0; i < n; ++i) {
    auto& node = graph.nodes[i];
    if (node.id != i)
      invalid("node ids must equal their position");
    if (!node.factory)
      invalid("operator '" + node.name + "' has no implementation");
    if (node.source && !in[i].empty())
      invalid("source '" + node.name + "' has an input");
    if (!node.source && in[i].empty())
      invalid("operator '" + node.name + "' has no input");
    if (node.parallelism == 0)
      node.parallelism = cfg.parallelism;
    if (node.parallelism > cfg.max_parallelism)
      invalid("operator '" + node.name + "' has parallelism "
              + std::to_string(node.parallelism) + " above max-parallelism "
              + std::to_string(cfg.max_parallelism));
    uids[i] = node.uid.empty() ? generated_uid(graph, i, uids) : node.uid;
    if (!seen.insert(uids[i]).second)
      invalid("uid '" + uids[i] + "' is used by more than one operator");
    node.uid = uids[i];
  }
  for (auto& e : graph.edges) {
    auto p_from = graph.nodes[e.from].parallelism;
    auto p_to = graph.nodes[e.to].parallelism;
    if (e.kind == partitioning::automatic)
      e.kind = p_from == p_to ? partitioning::forward : partitioning::rebalance;
    if (e.kind == partitioning::forward && p_from != p_to)
      invalid("forward edge '" + graph.nodes[e.from].name + "' -> '"
              + graph.nodes[e.to].name + "' connects parallelism "
              + std::to_string(p_from) + " to " + std::to_string(p_to));
  }
  // Chain: a node joins its upstream's vertex when the only edge between
  // them is a forward edge of the main output and the upstream has no
  // other consumer (so an operator with side outputs ends its chain, and
  // the chain's output routers are its own).
  execution_plan plan;
  plan.job_name = graph.name;
  plan.config = cfg;
  std::vector<uint32_t> vertex_of(n);
  for (uint32_t i = 0; i < n; ++i) {
    auto& node = graph.nodes[i];
    if (!node.source && in[i].size() == 1) {
      auto& e = graph.edges[in[i].front()];
      if (e.kind == partitioning::forward && e.side_output.empty()
          && out[e.from].size() == 1) {
        auto v = vertex_of[e.from];
        plan.vertices[v].chain.push_back(i);
        plan.vertices[v].name += " -> " + node.name;
        vertex_of[i] = v;
        continue;
      }
    }
    plan_vertex v;
    v.id = static_cast<uint32_t>(plan.vertices.size());
    v.name = node.name;
    v.parallelism = node.parallelism;
    v.chain.push_back(i);
    vertex_of[i] = v.id;
    plan.vertices.push_back(std::move(v));
  }
  for (auto& e : graph.edges) {
    auto from = vertex_of[e.from];
    auto to = vertex_of[e.to];
    if (from != to)
      plan.edges.push_back(
        plan_edge{from, to, e.kind, std::move(e.make_router), e.codec, e.side_output});
  }
  plan.nodes = std::move(graph.nodes);
  return plan;
}

std::vector<size_t> execution_plan::outgoing(uint32_t vertex) const {
  std::vector<size_t> result;
  for (size_t i = 0; i < edges.size(); ++i)
    if (edges[i].from == vertex)
      result.push_back(i);
  return result;
}

std::vector<size_t> execution_plan::incoming(uint32_t vertex) const {
  std::vector<size_t> result;
  for (size_t i = 0; i < edges.size(); ++i)
    if (edges[i].to == vertex)
      result.push_back(i);
  return result;
}

namespace {

/// Channels a sender of edge `e` contributes to each receiver.
uint32_t channels_per_receiver(const execution_plan& plan, const plan_edge& e) {
  return e.kind == partitioning::forward ? 1 : plan.vertices[e.from].parallelism;
}

} // namespace

std::vector<channel_target> execution_plan::output_channels(size_t edge,
                                                            uint32_t sender) const {
  auto& e = edges[edge];
  uint32_t offset = 0;
  for (auto i : incoming(e.to)) {
    if (i == edge)
      break;
    offset += channels_per_receiver(*this, edges[i]);
  }
  std::vector<channel_target> result;
  if (e.kind == partitioning::forward) {
    result.push_back({sender, offset});
  } else {
    for (uint32_t j = 0; j < vertices[e.to].parallelism; ++j)
      result.push_back({j, offset + sender});
  }
  return result;
}

uint32_t execution_plan::num_input_channels(uint32_t vertex, uint32_t) const {
  uint32_t result = 0;
  for (auto i : incoming(vertex))
    result += channels_per_receiver(*this, edges[i]);
  return result;
}

} // namespace sluice
