#include "operators/environment.hpp"
#include "actors/subtask/subtask_restore.hpp"

#include "snapshot/error.hpp"

namespace sluice {

environment::environment() : environment(default_pipeline_config()) {
}

environment::environment(pipeline_config cfg) : cfg_(cfg) {
}

environment::environment(caf::actor_system& host, pipeline_config cfg)
  : cfg_(cfg), host_(&host) {
}

environment::~environment() = default;

stream<event> environment::click_events(click_source_options opts) {
  return add_source<event>("click-source",
                           [opts] { return std::make_unique<click_source>(opts); });
}

runtime& environment::rt() {
  if (!rt_)
    rt_ = host_ != nullptr ? runtime::attach(*host_) : runtime::start(cfg_);
  return *rt_;
}

job_client environment::execute_async(std::string job_name) {
  check(cfg_);
  check(ckpt_);
  check(state_);
  // The default restart strategy depends on checkpointing (Flink 1.19+).
  auto restart = restart_.resolve(ckpt_.enabled());
  if (auto problem = restart.validate())
    throw exception(ec::invalid_option, *problem);
  auto graph = graph_.take(std::move(job_name));
  std::vector<size_t> generated_ids;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (graph.nodes[i].uid.empty())
      generated_ids.push_back(i);
  auto plan = build_execution_plan(std::move(graph), cfg_);
  restore_warnings_.clear();
  if (restore_) {
    std::vector<std::string> uids, generated;
    for (auto& node : plan.nodes)
      uids.push_back(node.uid);
    for (auto i : generated_ids)
      generated.push_back(plan.nodes[i].uid);
    restore_warnings_ = check_restore(*restore_, uids, generated, allow_non_restored_,
                                      plan.config.max_parallelism);
  }
  plan.checkpointing = ckpt_;
  plan.state = state_;
  plan.restart = std::move(restart);
  plan.initial_restore = restore_;
  plan.guarantee = assess_guarantee(plan.nodes, ckpt_);
  delivery_warnings_ = plan.guarantee.warnings;
  return rt().submit(std::move(plan));
}

environment& environment::restore_from(const std::filesystem::path& path, restore_mode mode) {
  auto point = load_restore_point(path);
  point->mode = mode;
  restore_ = std::move(point);
  return *this;
}

job_result environment::execute(std::string job_name) {
  return execute_async(std::move(job_name)).wait();
}

} // namespace sluice
