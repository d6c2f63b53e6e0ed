#include "actors/job/delivery_guarantee.hpp"

#include "actors/contract/job_graph.hpp"

namespace sluice {

const char* to_string(processing_guarantee g) noexcept {
  switch (g) {
    case processing_guarantee::at_most_once: return "at_most_once";
    case processing_guarantee::at_least_once: return "at_least_once";
    case processing_guarantee::exactly_once: return "exactly_once";
  }
  return "at_most_once";
}

guarantee_report assess_guarantee(const std::vector<job_node>& nodes,
                                  const checkpoint_config& cp) {
  guarantee_report report;
  if (!cp.enabled())
    return report; // no checkpoints: a failure loses the state
  report.level = cp.mode == checkpointing_mode::exactly_once ? processing_guarantee::exactly_once
                                                             : processing_guarantee::at_least_once;
  for (auto& node : nodes) {
    if (!node.source || !node.factory)
      continue;
    auto op = node.factory();
    auto* src = dynamic_cast<const source_operator*>(op.get());
    if (src == nullptr || src->replayable())
      continue;
    report.level = processing_guarantee::at_most_once;
    report.warnings.push_back(
      "source '" + node.name + "' cannot replay its input: the job is at-most-once for it "
      "(after a failure the state is restored from the last checkpoint, but what the source "
      "delivered since then is not delivered again)");
  }
  return report;
}

} // namespace sluice
