// The option registry: every runtime option of the engine, declared once.
//
// Each option group (`pipeline`, `heartbeat`, `checkpointing`, `state`,
// `restart-strategy`, `rest`) is one table of `option_info` rows (name,
// value type, meson option, C++ setter, help, documentation). Everything
// else is derived from the rows:
// - the CAF registration of an own actor system (sluice::system_config) and
//   of a host's config (`register_sluice`): actors/config/caf_options.hpp;
// - parsing: each row's value goes through its group's one text parser
//   (`engine_config::set`, actors/config/engine_config.hpp), the same parser
//   the compiled-in meson defaults and the C++ `set` functions use, and the
//   groups' `validate()` check the result, with one error type
//   (`ec::invalid_option`);
// - `--help` (CAF prints the rows' help);
// - the option table of README.md (`option_table_markdown`, written by
//   scripts/option-table; tests/actors/option_registry_test.cpp fails when
//   the README, the registry, the groups' parsers or meson_options.txt
//   disagree).
// The sample applications declare their own options the same way
// (apps/cli/app_options.hpp). Plain data, no CAF.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sluice {

/// How CAF reads the value of an option from the command line and the
/// config file.
enum class option_type : uint8_t {
  /// A flag: `--x`, `--x=true`, `--x=false`; `x = true` in the file.
  flag,
  int32,
  uint32,
  int64,
  uint64,
  /// A decimal number (`1.5`).
  real,
  /// A duration with a unit (`200ms`, `1s`, `10min`); unquoted in the file.
  duration,
  /// A string; quoted in the config file (`mode = "at_least_once"`).
  text,
};

/// One option.
struct option_info {
  /// Section of the config file and first part of the name: "pipeline";
  /// "global" for options without a group (`--input`).
  std::string_view group;
  /// Kebab-case name within the group: "max-parallelism".
  std::string_view name;
  /// One-letter alias (`-p`), 0 for none.
  char short_name = 0;
  option_type type = option_type::text;
  /// The meson option holding the compiled-in default; empty for none.
  std::string_view meson;
  /// How to set it from C++ (documentation).
  std::string_view cpp;
  /// One line for `--help`.
  std::string_view help;
  /// The README's description; `help` when empty.
  std::string_view doc;
  /// The README's default when it is not simply the compiled-in value
  /// ("1 for fixed-delay, unlimited for exponential-delay"); empty: the
  /// compiled-in value, rendered by the group's parser.
  std::string_view default_doc;
  /// Only an own actor system has it (not a host's config, e.g.
  /// `pipeline.threads`: the host's actor system has the threads the host
  /// gave it).
  bool own_system_only = false;

  /// "group.name", or just the name for group "global".
  std::string full_name() const;
};

/// Every engine option, grouped, in documentation order.
std::span<const option_info> engine_options();

/// The row of `full_name` ("checkpointing.mode") among `rows`; nullptr when
/// there is none.
const option_info* find_option(std::span<const option_info> rows, std::string_view full_name);

/// The README option table (markdown, header included, no trailing
/// newline): one row per option of `rows` in order. `compiled_default`
/// renders the default of rows without `default_doc` (nullopt: "–").
std::string option_table_markdown(
  std::span<const option_info> rows,
  const std::function<std::optional<std::string>(const option_info&)>& compiled_default);

} // namespace sluice
