// The sample applications' own options, declared once like the engine's
// (actors/config/option_registry.hpp): `sluice run`'s `--input`,
// `--output`, `-s`, `--restore-mode`, `--allow-non-restored-state`,
// `--inject-failures`, `generator.*` and `examples.*`, and
// sluice-embedded's `clicks.*`. Registered on the programs' configs with
// `add_options` (actors/config/caf_options.hpp) and read back here after
// parsing. `readme_option_table()` is the README's option table (engine
// options first), which scripts/option-table writes and
// tests/apps/option_table_test.cpp keeps current.
#pragma once

#include <optional>
#include <span>
#include <string>

#include <caf/actor_system_config.hpp>

#include "actors/config/option_registry.hpp"
#include "apps/jobs/embedded_job.hpp"
#include "apps/cli/sample_jobs.hpp"

namespace sluice::apps {

/// `sluice run`'s options beyond the engine's.
std::span<const option_info> run_options();

/// sluice-embedded's options beyond the engine's (`inject-failures` is
/// `run_options()`' row).
std::span<const option_info> embedded_app_options();

/// The values of `run_options()` after parsing.
struct run_values {
  sample_options samples;
  std::string from_savepoint;
  bool allow_non_restored_state = false;
  std::string restore_mode = "no_claim";
  std::string inject_failures;
};

/// Reads `run_options()` from a parsed config (defaults for unset ones).
run_values read_run_values(const caf::actor_system_config& cfg);

/// Reads `clicks.*` into `out` from a parsed config (unset ones keep their
/// value).
void read_embedded_values(const caf::actor_system_config& cfg, embedded_options& out);

/// The option table of README.md: the engine's options, then the sample
/// applications'.
std::string readme_option_table();

/// `readme` with the text between the line starting `<!-- option-table:begin`
/// and the line `<!-- option-table:end -->` replaced by `table`; nullopt
/// when a marker is missing.
std::optional<std::string> with_option_table(const std::string& readme,
                                             const std::string& table);

} // namespace sluice::apps
