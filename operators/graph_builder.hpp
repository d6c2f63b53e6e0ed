// Accumulates the logical job graph while the user calls the C++ API
// (Flink's list of transformations in the StreamExecutionEnvironment).
// Owned by the environment; streams refer to it by pointer.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "actors/contract/job_graph.hpp"
#include "actors/config/pipeline_config.hpp"
#include "operators/output_tag.hpp"

namespace sluice {

/// Where an operator reads from: the main output of `node`, or its side
/// output `side_output` (operators/output_tag.hpp).
struct stream_input {
  uint32_t node = 0;
  std::string side_output;

  stream_input(uint32_t n, std::string side = {}) : node(n), side_output(std::move(side)) {
  }
};

class graph_builder {
public:
  /// Adds a source; returns its node id.
  uint32_t add_source(std::string name, operator_factory f, uint32_t parallelism);

  /// Adds an operator fed by `input` through an edge of `kind`; `r` makes
  /// the edge's routers on the sending side.
  uint32_t add_operator(std::string name, operator_factory f, uint32_t input,
                        partitioning kind, router_factory r, bool keyed,
                        batch_codec codec = {}) {
    return add_operator(std::move(name), std::move(f), std::vector<stream_input>{input},
                        kind, std::move(r), keyed, std::move(codec));
  }

  /// Same with several inputs of one record type (a union): one edge from
  /// each, all of `kind`, each with its own routers made by `r`.
  uint32_t add_operator(std::string name, operator_factory f, std::vector<stream_input> inputs,
                        partitioning kind, router_factory r, bool keyed, batch_codec codec);

  /// Records that operator `node` emits records of `type` on side output
  /// `tag`. Throws sluice::exception(ec::invalid_job_graph) when it already
  /// declared `tag` with another type.
  void declare_side_output(uint32_t node, const std::string& tag, const std::type_info& type);

  /// Records that operator `node` may emit on any side output: reading one
  /// records its type in `types` (the operator checks it when it emits).
  void declare_open_side_outputs(uint32_t node, std::shared_ptr<side_output_types> types);

  /// Called by `get_side_output`: throws
  /// sluice::exception(ec::invalid_job_graph), naming the operator and the
  /// tag, unless operator `node` declared side output `tag` with records of
  /// `type`, or declared open side outputs (then `tag` is recorded as read
  /// as `type`; reading it as two types throws).
  void read_side_output(uint32_t node, const std::string& tag, const std::type_info& type);

  job_node& node(uint32_t id) {
    return graph_.nodes.at(id);
  }

  /// Hands the graph over and starts a new, empty one.
  job_graph take(std::string job_name);

  bool empty() const noexcept {
    return graph_.nodes.empty();
  }

private:
  job_graph graph_;
  /// Declared side outputs: (node, tag) -> record type.
  std::map<std::pair<uint32_t, std::string>, const std::type_info*> side_outputs_;
  /// Operators with open side outputs.
  std::map<uint32_t, std::shared_ptr<side_output_types>> open_side_outputs_;
};

} // namespace sluice
