// What `print()`, `collect()` and `sink_to(...)` return (Flink's
// DataStreamSink): a handle on the sink operator itself. `name`, `uid` and
// `parallelism` configure the sink, never the operator before it
// (`s.map(f).print().uid("out")` names the print sink "out"; the map keeps
// its own uid). Nothing reads from a sink, so a handle has no stream
// operations. `collect()`'s handle also gives the collected records.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "operators/graph_builder.hpp"
#include "operators/sinks.hpp"

namespace sluice {

class sink_handle {
public:
  sink_handle(graph_builder& g, uint32_t node) : g_(&g), node_(node) {
  }

  /// Display name of the sink.
  sink_handle name(std::string n) {
    g_->node(node_).name = std::move(n);
    return *this;
  }

  /// Stable id of the sink (maps its state across program changes).
  sink_handle uid(std::string id) {
    g_->node(node_).uid = std::move(id);
    return *this;
  }

  /// Parallelism of the sink.
  sink_handle parallelism(uint32_t p) {
    g_->node(node_).parallelism = p;
    return *this;
  }

  uint32_t node_id() const noexcept {
    return node_;
  }

private:
  graph_builder* g_;
  uint32_t node_;
};

/// `collect()`'s handle: the sink's settings plus the records it collects
/// (`handle->values()` once the job ended; converts to `collected_ptr<T>`).
template <class T>
class collect_handle : public sink_handle {
public:
  collect_handle(graph_builder& g, uint32_t node, collected_ptr<T> out)
    : sink_handle(g, node), out_(std::move(out)) {
  }

  collect_handle name(std::string n) {
    sink_handle::name(std::move(n));
    return *this;
  }

  collect_handle uid(std::string id) {
    sink_handle::uid(std::move(id));
    return *this;
  }

  collect_handle parallelism(uint32_t p) {
    sink_handle::parallelism(p);
    return *this;
  }

  collected<T>* operator->() const noexcept {
    return out_.get();
  }

  collected<T>& operator*() const noexcept {
    return *out_;
  }

  operator collected_ptr<T>() const {
    return out_;
  }

  const collected_ptr<T>& results() const noexcept {
    return out_;
  }

private:
  collected_ptr<T> out_;
};

} // namespace sluice
