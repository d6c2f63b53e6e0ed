#include "operators/graph_builder.hpp"

#include "snapshot/error.hpp"

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
                                     std::vector<stream_input> inputs, partitioning kind,
                                     router_factory r, bool keyed, batch_codec codec) {
  job_node n;
  n.id = static_cast<uint32_t>(graph_.nodes.size());
  n.name = std::move(name);
  n.keyed = keyed;
  n.factory = std::move(f);
  graph_.nodes.push_back(std::move(n));
  for (auto& input : inputs)
    graph_.edges.push_back(
      job_edge{input.node, graph_.nodes.back().id, kind, r, codec, input.side_output});
  return graph_.nodes.back().id;
}

void graph_builder::declare_side_output(uint32_t node, const std::string& tag,
                                        const std::type_info& type) {
  auto [it, added] = side_outputs_.emplace(std::make_pair(node, tag), &type);
  if (!added && *it->second != type)
    throw exception(ec::invalid_job_graph, "operator '" + graph_.nodes.at(node).name
                                             + "' declares side output '" + tag
                                             + "' twice with different record types");
}

void graph_builder::declare_open_side_outputs(uint32_t node,
                                              std::shared_ptr<side_output_types> types) {
  open_side_outputs_[node] = std::move(types);
}

void graph_builder::read_side_output(uint32_t node, const std::string& tag,
                                     const std::type_info& type) {
  if (auto open = open_side_outputs_.find(node); open != open_side_outputs_.end()) {
    open->second->read_as(tag, type);
    return;
  }
  auto it = side_outputs_.find(std::make_pair(node, tag));
  auto& name = graph_.nodes.at(node).name;
  if (it == side_outputs_.end())
    throw exception(ec::invalid_job_graph,
                    "operator '" + name + "' has no side output '" + tag + "'");
  if (*it->second != type)
    throw exception(ec::invalid_job_graph, "side output '" + tag + "' of operator '" + name
                                             + "' carries another record type than asked for");
}

job_graph graph_builder::take(std::string job_name) {
  job_graph result = std::move(graph_);
  graph_ = job_graph{};
  side_outputs_.clear();
  open_side_outputs_.clear();
  result.name = std::move(job_name);
  return result;
}

} // namespace sluice
