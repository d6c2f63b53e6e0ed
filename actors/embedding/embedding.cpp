#include "actors/embedding/embedding.hpp"

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <caf/all.hpp>

#include "actors/config/caf_options.hpp"
#include "actors/contract/error.hpp"
#include "actors/config/system_config.hpp"

namespace sluice {

namespace {

/// The values of the engine options of `group` in `cfg` over the
/// compiled-in defaults (`check` validates them).
template <class Member, class Check>
auto read_group(const caf::actor_system_config& cfg, std::string_view group, Member member,
                Check check) -> caf::expected<std::decay_t<decltype(engine_config{}.*member)>> {
  engine_config values;
  if (auto err = read_engine_options(cfg, group, values))
    return err;
  if (std::string_view{group} == "pipeline")
    if (auto err = read_engine_options(cfg, "heartbeat", values))
      return err;
  if (auto problem = check(values.*member))
    return make_error(ec::invalid_option, *problem);
  return std::move(values.*member);
}

} // namespace

void add_sluice_options(caf::actor_system_config& cfg) {
  add_options(cfg, engine_options(), option_scope::host);
}

caf::expected<pipeline_config> read_pipeline_config(const caf::actor_system_config& cfg) {
  return read_group(cfg, "pipeline", &engine_config::pipeline, pipeline_problem);
}

caf::expected<checkpoint_config> read_checkpoint_config(const caf::actor_system_config& cfg) {
  return read_group(cfg, "checkpointing", &engine_config::checkpointing,
                    [](const checkpoint_config& x) { return x.validate(); });
}

caf::expected<state_config> read_state_config(const caf::actor_system_config& cfg) {
  return read_group(cfg, "state", &engine_config::state,
                    [](const state_config& x) { return x.validate(); });
}

caf::expected<restart_config> read_restart_config(const caf::actor_system_config& cfg) {
  return read_group(cfg, "restart-strategy", &engine_config::restart,
                    [](const restart_config& x) { return x.validate(); });
}

} // namespace sluice
