#include "actors/embedding.hpp"

#include <caf/all.hpp>

#include "actors/error.hpp"
#include "actors/runtime.hpp"
#include "actors/system_config.hpp"

namespace sluice {

namespace {

/// Reaches the host config's (protected) option set: a pointer to a
/// protected member may be formed through a derived class.
struct options_access : caf::actor_system_config {
  static caf::config_option_set& of(caf::actor_system_config& cfg) {
    return cfg.*(&options_access::custom_options_);
  }
};

} // namespace

void add_sluice_options(caf::actor_system_config& cfg) {
  auto& options = options_access::of(cfg);
  if (options.qualified_name_lookup("pipeline.parallelism") != nullptr)
    return; // sluice::system_config, or a second call
  caf::actor_system_config::opt_group{options, "pipeline"}
    .add<uint32_t>("parallelism", "default parallelism of every operator")
    .add<uint32_t>("max-parallelism",
                   "number of key groups, upper bound for rescaling keyed state")
    .add<uint32_t>("batch-size", "records per batch crossing actors")
    .add<caf::timespan>("buffer-timeout",
                        "send a partly filled batch after this long (e.g. 100ms)")
    .add<uint32_t>("buffers-per-channel",
                   "credit window: batches a sender may have in flight per channel");
}

caf::expected<pipeline_config> read_pipeline_config(const caf::actor_system_config& cfg) {
  auto result = default_pipeline_config();
  result.parallelism = caf::get_or(cfg, "pipeline.parallelism", result.parallelism);
  result.max_parallelism = caf::get_or(cfg, "pipeline.max-parallelism",
                                       result.max_parallelism);
  result.batch_size = caf::get_or(cfg, "pipeline.batch-size", result.batch_size);
  caf::timespan timeout = result.buffer_timeout;
  timeout = caf::get_or(cfg, "pipeline.buffer-timeout", timeout);
  result.buffer_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
  result.buffers_per_channel = caf::get_or(cfg, "pipeline.buffers-per-channel",
                                           result.buffers_per_channel);
  if (auto err = validate(result))
    return err;
  return result;
}

} // namespace sluice
