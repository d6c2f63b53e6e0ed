// Plain values of the `checkpointing.*` options (Flink's CheckpointConfig;
// no CAF here: the C++ API uses it).
//
// A default-constructed `checkpoint_config` holds the compiled-in defaults:
// the meson options `checkpointing_*` (meson_options.txt), which default to
// Flink 1.19+'s values. Durations and enum values from meson are checked at
// compile time: a bad `-Dcheckpointing_timeout=abc` fails the build.
//
// Filled from the compiled-in defaults, then the config file and command line
// (`checkpointing.<kebab-name>`; `set()` parses any option from its string
// form), then the C++ API. `validate()` checks values and combinations once
// before a job starts; `notes()` lists the silent adjustments Flink makes
// (e.g. min-pause caps max-concurrent to 1) so a front end can print them.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice_defaults.hpp"

namespace sluice {

/// `checkpointing.mode` (Flink's CheckpointingMode).
enum class checkpointing_mode : uint8_t {
  /// Barriers are aligned (or unaligned): consistent cuts.
  exactly_once,
  /// Barriers are tracked, nothing blocks: records after a barrier may be in
  /// the checkpointed state, so they are replayed twice after a restore.
  at_least_once,
};

/// `checkpointing.externalized` (Flink's ExternalizedCheckpointRetention):
/// what happens to retained completed checkpoints when the job ends.
enum class externalized_cleanup : uint8_t {
  /// Deleted whenever the job reaches a terminal state (finished, failed,
  /// cancelled). Flink's NO_EXTERNALIZED_CHECKPOINTS.
  none,
  /// Kept whatever the job ends with (cancelled, failed, finished); the
  /// user deletes them. Flink's RETAIN_ON_CANCELLATION.
  retain_on_cancellation,
  /// Deleted when the job is cancelled or finishes, kept when it fails
  /// (Flink's DELETE_ON_CANCELLATION).
  delete_on_cancellation,
};

/// `checkpointing.storage`: where completed checkpoints live.
enum class checkpoint_storage_type : uint8_t {
  /// Kept in memory by the job master (Flink's JobManagerCheckpointStorage).
  memory,
  /// `<dir>/<job-id>/chk-<n>/_metadata` plus state files.
  filesystem,
};

/// snake_case names, as in config files: "exactly_once", ...
const char* to_string(checkpointing_mode x) noexcept;
const char* to_string(externalized_cleanup x) noexcept;
const char* to_string(checkpoint_storage_type x) noexcept;

/// Parse the snake_case names (exactly, case-sensitive); nullopt otherwise.
std::optional<checkpointing_mode> parse_checkpointing_mode(std::string_view s) noexcept;
std::optional<externalized_cleanup> parse_externalized_cleanup(std::string_view s) noexcept;
std::optional<checkpoint_storage_type> parse_checkpoint_storage(std::string_view s) noexcept;

/// Parses a duration with a unit: an optionally negative integer, optional
/// blanks, then `ns`, `us`, `ms`, `s`, `min`, `h` or `d` ("200ms", "1s",
/// "10 min", "-5s"). A bare "0" is accepted. Resolution is one millisecond:
/// `ns`/`us` values must be whole milliseconds. Nullopt for anything else
/// and on overflow.
constexpr std::optional<std::chrono::milliseconds> parse_duration(std::string_view s) noexcept {
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && blank(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && blank(s.back()))
    s.remove_suffix(1);
  bool negative = false;
  if (!s.empty() && s.front() == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  if (s.empty() || s.front() < '0' || s.front() > '9')
    return std::nullopt;
  constexpr int64_t max = std::numeric_limits<int64_t>::max();
  int64_t n = 0;
  while (!s.empty() && s.front() >= '0' && s.front() <= '9') {
    int64_t digit = s.front() - '0';
    if (n > (max - digit) / 10)
      return std::nullopt;
    n = n * 10 + digit;
    s.remove_prefix(1);
  }
  while (!s.empty() && blank(s.front()))
    s.remove_prefix(1);
  int64_t ms = 0;
  auto scale = [&](int64_t factor) {
    if (n > max / factor)
      return false;
    ms = n * factor;
    return true;
  };
  if (s.empty()) {
    if (n != 0)
      return std::nullopt; // a unit is required
    ms = 0;
  } else if (s == "ns") {
    if (n % 1'000'000 != 0)
      return std::nullopt;
    ms = n / 1'000'000;
  } else if (s == "us") {
    if (n % 1'000 != 0)
      return std::nullopt;
    ms = n / 1'000;
  } else if (s == "ms") {
    ms = n;
  } else if (s == "s") {
    if (!scale(1'000))
      return std::nullopt;
  } else if (s == "min") {
    if (!scale(60'000))
      return std::nullopt;
  } else if (s == "h") {
    if (!scale(3'600'000))
      return std::nullopt;
  } else if (s == "d") {
    if (!scale(86'400'000))
      return std::nullopt;
  } else {
    return std::nullopt;
  }
  return std::chrono::milliseconds{negative ? -ms : ms};
}

/// The largest unit that represents `d` exactly: "10min", "1500ms", "-5s",
/// "0ms". `parse_duration(format_duration(d)) == d`.
std::string format_duration(std::chrono::milliseconds d);

namespace detail {

/// Compile-time parse of a meson duration default; a bad value is a build
/// error here ("call to consteval function ... is not a constant
/// expression" pointing at this throw).
consteval std::chrono::milliseconds compiled_duration(std::string_view s) {
  auto d = parse_duration(s);
  if (!d)
    throw "invalid duration in a meson option checkpointing_*: use e.g. 500ms, 10s, 10min";
  return *d;
}

/// Empty (or "off") leaves checkpointing off.
consteval std::optional<std::chrono::milliseconds> compiled_interval(std::string_view s) {
  if (s.empty() || s == "off")
    return std::nullopt;
  return compiled_duration(s);
}

} // namespace detail

struct checkpoint_config {
  /// Flink's MINIMAL_CHECKPOINT_TIME: lower bound of interval and timeout.
  static constexpr std::chrono::milliseconds minimal_checkpoint_time{10};
  /// Upper bound of every duration (keeps time arithmetic far from overflow;
  /// Flink caps min-pause at one year as well).
  static constexpr std::chrono::milliseconds maximal_duration{365LL * 86'400'000};
  /// Flink's UNLIMITED_TOLERABLE_FAILURE_NUMBER.
  static constexpr int32_t unlimited_tolerable_failures = std::numeric_limits<int32_t>::max();

  /// Time between checkpoint triggers (start to start). Unset: off.
  std::optional<std::chrono::milliseconds> interval
    = detail::compiled_interval(SLUICE_DEFAULT_CHECKPOINTING_INTERVAL);
  checkpointing_mode mode = checkpointing_mode::SLUICE_DEFAULT_CHECKPOINTING_MODE;
  /// A checkpoint not complete after this long is expired (aborted).
  std::chrono::milliseconds timeout = detail::compiled_duration(SLUICE_DEFAULT_CHECKPOINTING_TIMEOUT);
  /// Least time from the end of one checkpoint to the start of the next.
  /// Greater than 0 caps max-concurrent to 1 (see effective_max_concurrent).
  std::chrono::milliseconds min_pause = detail::compiled_duration(SLUICE_DEFAULT_CHECKPOINTING_MIN_PAUSE);
  /// Checkpoints in progress at once (signed so that validate() can name a
  /// negative value instead of it wrapping around).
  int32_t max_concurrent = SLUICE_DEFAULT_CHECKPOINTING_MAX_CONCURRENT;
  /// Consecutive failed checkpoints tolerated; one more fails the job.
  int32_t tolerable_failures = SLUICE_DEFAULT_CHECKPOINTING_TOLERABLE_FAILURES;
  /// Unaligned checkpoints (exactly-once only; caps max-concurrent to 1).
  bool unaligned = SLUICE_DEFAULT_CHECKPOINTING_UNALIGNED;
  /// With `unaligned`: start aligned, switch to unaligned when alignment
  /// takes longer than this. 0: unaligned from the first barrier.
  std::chrono::milliseconds aligned_timeout
    = detail::compiled_duration(SLUICE_DEFAULT_CHECKPOINTING_ALIGNED_TIMEOUT);
  externalized_cleanup externalized = externalized_cleanup::SLUICE_DEFAULT_CHECKPOINTING_EXTERNALIZED;
  /// Completed checkpoints kept (Flink's state.checkpoints.num-retained).
  int32_t retained = SLUICE_DEFAULT_CHECKPOINTING_RETAINED;
  checkpoint_storage_type storage = checkpoint_storage_type::SLUICE_DEFAULT_CHECKPOINTING_STORAGE;
  /// Root of filesystem checkpoints: `<dir>/<job-id>/chk-<n>/`.
  std::string dir = SLUICE_DEFAULT_CHECKPOINTING_DIR;
  /// Default target of savepoints (empty: each savepoint names its target).
  std::string savepoint_dir = SLUICE_DEFAULT_CHECKPOINTING_SAVEPOINT_DIR;

  /// Every option name, without the `checkpointing.` prefix, in table order.
  static const std::vector<std::string_view>& option_names();

  /// Periodic checkpoints are on.
  bool enabled() const noexcept {
    return interval.has_value();
  }

  /// The max-concurrent the coordinator applies: 1 when min-pause > 0 or
  /// unaligned checkpoints are on (Flink caps silently), else max-concurrent.
  int32_t effective_max_concurrent() const noexcept {
    if (min_pause.count() > 0 || unaligned)
      return 1;
    return max_concurrent;
  }

  /// Sets one option from its string form, as the config file and command
  /// line spell it. `option` with or without the `checkpointing.` prefix;
  /// durations need units ("500ms"), `interval` also accepts "" or "off"
  /// (off), booleans are true/false, enums snake_case. Returns an error
  /// message naming the option ("checkpointing.mode = fast: expected
  /// exactly_once or at_least_once") and leaves the config unchanged on
  /// error. Checks the value's form only; `validate()` checks ranges and
  /// combinations.
  std::optional<std::string> set(std::string_view option, std::string_view value);

  /// The string form of one option's current value (as `set` accepts it);
  /// nullopt for an unknown option.
  std::optional<std::string> get(std::string_view option) const;

  /// Every option with its value, `checkpointing.`-prefixed, in table order.
  std::vector<std::pair<std::string, std::string>> values() const;

  /// Nullopt when every value and combination is valid, else a message
  /// naming the first offending option, its value and what is allowed, e.g.
  /// "checkpointing.unaligned = true: unaligned checkpoints need
  /// checkpointing.mode = exactly_once (mode is at_least_once)". Callers
  /// wrap it into `ec::invalid_option`.
  std::optional<std::string> validate() const;

  /// Silent adjustments and ignored options of a valid config, one sentence
  /// each (e.g. max-concurrent capped to 1 by min-pause, aligned-timeout
  /// without unaligned). Empty when nothing is adjusted.
  std::vector<std::string> notes() const;
};

/// The compiled-in defaults (same as `checkpoint_config{}`).
inline checkpoint_config default_checkpoint_config() {
  return checkpoint_config{};
}

} // namespace sluice
