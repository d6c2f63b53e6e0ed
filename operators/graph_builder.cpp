#include "operators/graph_builder.hpp"

namespace sluice {

uint32_t graph_builder::add_source(std::string name, operator_factory f,
                                   uint32_t parallelism) {
  job_node n;
  n.id = static_cast<uint32_t>(graph_.nodes.size());
  n.name = std::move(name);
  n.parallelism = parallelism;
  n.source = true;
  n.factory = std::move(f);
  graph_.nodes.push_back(std::move(n));
  return graph_.nodes.back().id;
}

uint32_t graph_builder::add_operator(std::string name, operator_factory f,
                                     std::vector<uint32_t> inputs, partitioning kind,
                                     router_factory r, bool keyed, batch_codec codec) {
  job_node n;
  n.id = static_cast<uint32_t>(graph_.nodes.size());
  n.name = std::move(name);
  n.keyed = keyed;
  n.factory = std::move(f);
  graph_.nodes.push_back(std::move(n));
  for (auto input : inputs)
    graph_.edges.push_back(job_edge{input, graph_.nodes.back().id, kind, r, codec});
  return graph_.nodes.back().id;
}

job_graph graph_builder::take(std::string job_name) {
  job_graph result = std::move(graph_);
  graph_ = job_graph{};
  result.name = std::move(job_name);
  return result;
}

} // namespace sluice
