// The option registry (actors/config/option_registry.hpp) on CAF: registers
// rows on a `caf::actor_system_config` and reads their values back. Used by
// sluice::system_config, by `register_sluice` for a host's config
// (actors/embedding/embedding.hpp) and by the sample applications (apps/cli/app_options.hpp).
//
// Options are registered without a bound member: CAF keeps their values in
// the config's content (`caf::get_or(cfg, "pipeline.batch-size", ...)`),
// typed by the row's `option_type`, so a config file may write durations
// without quotes (`interval = 1s`).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include <caf/actor_system_config.hpp>
#include <caf/expected.hpp>

#include "actors/config/engine_config.hpp"
#include "actors/config/option_registry.hpp"

namespace sluice {

/// Which configs an option goes on.
enum class option_scope : uint8_t {
  /// A host's config: rows marked `own_system_only` are left out.
  host,
  /// sluice's own actor system: every row.
  own_system,
};

/// Registers every row of `rows` that `cfg` does not have yet (so calling it
/// twice is harmless), with the row's help text and short name.
void add_options(caf::actor_system_config& cfg, std::span<const option_info> rows,
                 option_scope scope);

/// The value of `row` in `cfg` in its text form as the groups' parsers read
/// it ("200ms", "true", "42", "1.5", "exactly_once"); nullopt when the
/// config does not hold it.
std::optional<std::string> option_text(const caf::actor_system_config& cfg,
                                       const option_info& row);

/// Sets every engine option of `group` ("checkpointing"; empty: every
/// group) that `cfg` holds on `out`. The error (`ec::invalid_option`) names
/// the option, the value and what is allowed. Does not validate.
caf::error read_engine_options(const caf::actor_system_config& cfg, std::string_view group,
                               engine_config& out);

/// CAF takes a flag without a value. Call before `cfg.parse(args)`:
/// `--flag=true` becomes `--flag`, `--flag=false` is removed from `args` and
/// named in the result, so the caller can clear what a config file set
/// (`clear_flags`). Other arguments stay as they are.
std::vector<std::string> take_flag_values(caf::actor_system_config& cfg,
                                          std::vector<std::string>& args);

/// After parsing: sets every flag of `names` (from `take_flag_values`) to
/// false, over what a config file said.
void clear_flags(caf::actor_system_config& cfg, const std::vector<std::string>& names);

/// The option registered as `full_name` on `cfg`, nullptr for none.
const caf::config_option* registered_option(const caf::actor_system_config& cfg,
                                            std::string_view full_name);

/// CAF 0.17 gives no public access to a config's option set; sluice reaches
/// it here only (to register options on a host's config, whose class we do
/// not own, and to look options up).
caf::config_option_set& option_set(caf::actor_system_config& cfg);
const caf::config_option_set& option_set(const caf::actor_system_config& cfg);

} // namespace sluice
