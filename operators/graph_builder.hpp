// Accumulates the logical job graph while the user calls the C++ API
// (Flink's list of transformations in the StreamExecutionEnvironment).
// Owned by the environment; streams refer to it by pointer.
#pragma once

#include <string>
#include <vector>

#include "actors/job_graph.hpp"
#include "actors/pipeline_config.hpp"

namespace sluice {

class graph_builder {
public:
  /// Adds a source; returns its node id.
  uint32_t add_source(std::string name, operator_factory f, uint32_t parallelism);

  /// Adds an operator fed by `input` through an edge of `kind`; `r` makes
  /// the edge's routers on the sending side.
  uint32_t add_operator(std::string name, operator_factory f, uint32_t input,
                        partitioning kind, router_factory r, bool keyed,
                        batch_codec codec = {}) {
    return add_operator(std::move(name), std::move(f), std::vector<uint32_t>{input}, kind,
                        std::move(r), keyed, std::move(codec));
  }

  /// Same with several inputs of one record type (a union): one edge from
  /// each, all of `kind`, each with its own routers made by `r`.
  uint32_t add_operator(std::string name, operator_factory f, std::vector<uint32_t> inputs,
                        partitioning kind, router_factory r, bool keyed, batch_codec codec);

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
};

} // namespace sluice
