// sluice's `caf::actor_system_config`: the `pipeline.*` option group, read
// from the command line and a config file, validated once.
//
// Option names follow DESIGN.md: `group.kebab-name` on the command line and
// in the config file (CAF's INI format, `[pipeline]` section), compiled-in
// defaults from meson options (`pipeline_batch_size`, ...). Every option is
// declared once in the option registry (actors/config/option_registry.hpp),
// which registers it here and on a host's config alike.
#pragma once

#include <string>
#include <vector>

#include <caf/actor_system_config.hpp>
#include <caf/expected.hpp>

#include "actors/checkpoint/checkpoint_config.hpp"
#include "actors/restart/restart_config.hpp"
#include "actors/rest/rest_config.hpp"
#include "actors/config/state_config.hpp"
#include "actors/config/pipeline_config.hpp"

namespace sluice {

/// Registers sluice's error category, message types (`sluice.data_msg`,
/// `sluice.barrier_msg`, ...) and `pipeline.*` options on any actor system
/// config: ours, or a host's that embeds sluice (read the options back with
/// `read_pipeline_config`, actors/embedding/embedding.hpp). Idempotent.
void register_sluice(caf::actor_system_config& cfg);

/// Checks every value; the error (`ec::invalid_option`) names the option,
/// the bad value and what is allowed.
caf::error validate(const pipeline_config& cfg);

class system_config : public caf::actor_system_config {
public:
  system_config();

  /// Parses `args` (without the program name): `--pipeline.x=v`, `-p N`,
  /// `--config-file=FILE` (CAF INI). Unknown options, malformed values, an
  /// unreadable config file and invalid values are errors naming the problem
  /// (`ec::invalid_option`, `ec::invalid_config_file`). `--help` sets
  /// `cli_helptext_printed` after printing every option.
  caf::error parse_args(std::vector<std::string> args);

  /// The parsed and validated `pipeline.*` values.
  const pipeline_config& pipeline() const noexcept {
    return pipeline_;
  }

  /// The parsed and validated `checkpointing.*` values.
  const checkpoint_config& checkpointing() const noexcept {
    return checkpointing_;
  }

  /// The parsed and validated `state.*` values.
  const state_config& state() const noexcept {
    return state_;
  }

  /// The parsed `restart-strategy.*` values, validated after resolving the
  /// default type against `checkpointing().enabled()`; the type itself stays
  /// as given (unset: "default"), so the C++ API can still change
  /// checkpointing before the plan resolves it.
  const restart_config& restart() const noexcept {
    return restart_;
  }

  /// The parsed and validated `rest.*` values.
  const rest_config& rest() const noexcept {
    return rest_;
  }

  /// Arguments that are not options (e.g. the job name of `sluice run`).
  const std::vector<std::string>& positional() const noexcept {
    return positional_;
  }

private:
  pipeline_config pipeline_;
  checkpoint_config checkpointing_;
  state_config state_;
  restart_config restart_;
  rest_config rest_;
  std::vector<std::string> positional_;
};

} // namespace sluice
