// The CAF side of embedding sluice in a host application: the host owns its
// `caf::actor_system_config` and `caf::actor_system`; sluice adds its
// options to that config and reads them back (actors/job/runtime.hpp is the
// CAF-free side).
//
//   struct host_config : caf::actor_system_config {
//     host_config() {
//       // error category, message types, --pipeline.* and [pipeline]
//       sluice::register_sluice(*this);     // actors/config/system_config.hpp
//     }
//   };
//   host_config cfg;
//   cfg.parse(argc, argv);                  // the host's own parsing
//   auto pipeline = sluice::read_pipeline_config(cfg);  // caf::expected
//   auto checkpoints = sluice::read_checkpoint_config(cfg);
//   auto state = sluice::read_state_config(cfg);       // --state.backend=lmdb
//   auto restart = sluice::read_restart_config(cfg);   // --restart-strategy.type=...
//   caf::actor_system sys{cfg};
//   sluice::environment env{sys, *pipeline};
//   env.set_checkpoint_config(*checkpoints).set_state_config(*state);
//   env.set_restart_strategy(*restart);
//
// Call both from the thread that builds the config, before the actor system
// is created.
#pragma once

#include <caf/actor_system_config.hpp>
#include <caf/expected.hpp>

#include "actors/checkpoint/checkpoint_config.hpp"
#include "actors/config/caf_options.hpp"
#include "actors/config/pipeline_config.hpp"
#include "actors/restart/restart_config.hpp"
#include "actors/config/state_config.hpp"

namespace sluice {

/// `register_sluice` calls it; adds the options the config does not have
/// yet, from the option registry (actors/config/option_registry.hpp): the
/// `pipeline.*` options (`parallelism`, `max-parallelism`,
/// `batch-size`, `buffer-timeout`, `auto-watermark-interval`,
/// `buffers-per-channel`), every
/// `checkpointing.*`, every `state.*` and every `restart-strategy.*` option
/// to a host's config, so its command line (`--pipeline.parallelism=2`),
/// config file (`[pipeline]`, `[checkpointing]`, `[state]`,
/// `[restart-strategy]`) and `--long-help` know them. Not `pipeline.threads`: the
/// host's actor system has the threads the host gave it.
void add_sluice_options(caf::actor_system_config& cfg);

/// The `checkpointing.*` values (every option of the table, spelled as on
/// `sluice`'s command line) the host's config holds after parsing, over the
/// compiled-in defaults, validated like `sluice::system_config` does: an
/// `ec::invalid_option` error names the option, the value and what is
/// allowed. `add_sluice_options` registers the options.
caf::expected<checkpoint_config> read_checkpoint_config(const caf::actor_system_config& cfg);

/// The `state.*` values (backend, incremental, local-dir,
/// lmdb-cache-entries) the config holds after parsing, over the compiled-in
/// defaults, validated: an `ec::invalid_option` error names the option, the
/// value and what is allowed. `add_sluice_options` registers the options
/// (also on sluice::system_config, whose `state()` reads them this way).
caf::expected<state_config> read_state_config(const caf::actor_system_config& cfg);

/// The `restart-strategy.*` values (type, attempts, delay, ...) the config
/// holds after parsing, over the compiled-in defaults, validated as far as
/// possible without knowing whether checkpointing is on (the type may stay
/// unset: `environment` resolves it when it builds the plan): an
/// `ec::invalid_option` error names the option, the value and what is
/// allowed. `add_sluice_options` registers the options (also on
/// sluice::system_config, whose `restart()` reads them this way). In a
/// config file, write the numbers of `backoff-multiplier` and
/// `jitter-factor` with a decimal point (`2.0`): CAF drops a bare `2` for a
/// real-valued option (sluice::system_config widens it).
caf::expected<restart_config> read_restart_config(const caf::actor_system_config& cfg);

/// The `pipeline.*` values the host's config holds after parsing, the
/// compiled-in defaults for the ones not set, validated like
/// `sluice::system_config` does: an `ec::invalid_option` error names the
/// option, the value and what is allowed.
caf::expected<pipeline_config> read_pipeline_config(const caf::actor_system_config& cfg);

} // namespace sluice
