// Every engine option group's values together, with one text interface by
// full option name ("checkpointing.mode"), the way the option registry
// (actors/config/option_registry.hpp) addresses options. No CAF here.
//
// The text parsers are the groups' own (`checkpoint_config::set`,
// `state_config::set`, `restart_config::set`) plus the ones for `pipeline.*`,
// `heartbeat.*` and `rest.*` in engine_config.cpp: one parser per option,
// shared by the config file, the command line and the C++ API.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "actors/checkpoint/checkpoint_config.hpp"
#include "actors/config/pipeline_config.hpp"
#include "actors/rest/rest_config.hpp"
#include "actors/restart/restart_config.hpp"
#include "actors/config/state_config.hpp"

namespace sluice {

struct engine_config {
  /// `pipeline.*` and `heartbeat.*`.
  pipeline_config pipeline;
  checkpoint_config checkpointing;
  state_config state;
  restart_config restart;
  rest_config rest;

  /// The compiled-in defaults of every group.
  engine_config();

  /// Sets option `full_name` from its text form; an error naming the
  /// option, the value and what is allowed (or "unknown option ...").
  std::optional<std::string> set(std::string_view full_name, std::string_view value);

  /// The text form of option `full_name` (as `set` accepts it); nullopt for
  /// an unknown option.
  std::optional<std::string> get(std::string_view full_name) const;

  /// Checks every group (values and combinations; the restart strategy as
  /// far as possible before checkpointing is known); the first problem.
  std::optional<std::string> validate() const;
};

/// What is wrong with the `pipeline.*` and `heartbeat.*` values ("pipeline.
/// batch-size = 0: must be between 1 and 1048576 records"), or nullopt.
std::optional<std::string> pipeline_problem(const pipeline_config& cfg);

} // namespace sluice
