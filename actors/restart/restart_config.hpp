// Plain values of the `restart-strategy.*` options (Flink's
// restart-strategy.* / RestartStrategyOptions, with flat names; no CAF here:
// the C++ API uses it).
//
// A default-constructed `restart_config` holds the compiled-in defaults:
// the meson options `restart_strategy_*` (meson_options.txt), which default
// to Flink 1.19+'s values. Bad meson values fail the build (consteval).
//
// Filled from the compiled-in defaults, then the config file and command
// line (`restart-strategy.<kebab-name>`, `[restart-strategy]`; read by
// `read_restart_config`, actors/embedding/embedding.hpp), then the C++ API
// (`environment::set_restart_strategy`). `validate()` checks it before a job
// starts. The type may stay unset ("default"): when the execution plan is
// built, `resolve(checkpointing enabled?)` picks Flink 1.19+'s default,
// exponential-delay with checkpointing and none without; the job master
// then calls `make_strategy()`.
//
// Flat names: Flink's `fixed-delay.delay` and `failure-rate.delay` are one
// `delay`; `attempts` is Flink's `fixed-delay.attempts` and, for
// exponential-delay, `exponential-delay.attempts-before-reset-backoff`.
// Unset, it takes each strategy's own Flink default (1 for fixed-delay,
// unlimited for exponential-delay).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/checkpoint/checkpoint_config.hpp"
#include "actors/restart/restart_strategy.hpp"
#include "sluice_defaults.hpp"

namespace sluice {

/// Parses a plain decimal number: optional '-', digits, optional '.' and
/// digits, optional exponent ("1.5", "0.1", "2", ".5", "1e-3"); at most 18
/// significant digits. Nullopt for anything else (no blanks, "nan", "inf",
/// hex). Exact for short decimals; `restart_config::set` reads the digits
/// with `std::from_chars` after this check for correct rounding.
constexpr std::optional<double> parse_decimal(std::string_view s) noexcept {
  bool negative = false;
  if (!s.empty() && s.front() == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  int64_t mantissa = 0;
  int digits = 0;
  int exponent = 0;
  bool any = false;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  while (!s.empty() && digit(s.front())) {
    if (mantissa != 0 || s.front() != '0') {
      if (++digits > 18)
        return std::nullopt;
    }
    mantissa = mantissa * 10 + (s.front() - '0');
    any = true;
    s.remove_prefix(1);
  }
  if (!s.empty() && s.front() == '.') {
    s.remove_prefix(1);
    while (!s.empty() && digit(s.front())) {
      if (mantissa != 0 || s.front() != '0') {
        if (++digits > 18)
          return std::nullopt;
      }
      mantissa = mantissa * 10 + (s.front() - '0');
      --exponent;
      any = true;
      s.remove_prefix(1);
    }
  }
  if (!any)
    return std::nullopt;
  if (!s.empty() && (s.front() == 'e' || s.front() == 'E')) {
    s.remove_prefix(1);
    bool exp_negative = false;
    if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
      exp_negative = s.front() == '-';
      s.remove_prefix(1);
    }
    if (s.empty())
      return std::nullopt;
    int e = 0;
    while (!s.empty() && digit(s.front())) {
      e = e * 10 + (s.front() - '0');
      if (e > 400)
        return std::nullopt;
      s.remove_prefix(1);
    }
    exponent += exp_negative ? -e : e;
  }
  if (!s.empty())
    return std::nullopt;
  if (mantissa == 0)
    return negative ? -0.0 : 0.0;
  double x = static_cast<double>(mantissa);
  double scale = 1;
  for (int i = 0; i < (exponent < 0 ? -exponent : exponent); ++i)
    scale *= 10;
  x = exponent < 0 ? x / scale : x * scale;
  if (x > 1.7976931348623157e308)
    return std::nullopt; // overflow to infinity
  return negative ? -x : x;
}

/// The shortest text that `parse_decimal` reads back as `x`: "1.5", "0.1",
/// "2".
std::string format_decimal(double x);

namespace detail {

/// Compile-time parses of the meson defaults restart_strategy_*; a bad value
/// is a build error pointing at the throw.
consteval std::chrono::milliseconds compiled_restart_duration(std::string_view s) {
  auto d = parse_duration(s);
  if (!d)
    throw "invalid duration in a meson option restart_strategy_*: use e.g. 500ms, 10s, 1min";
  return *d;
}

consteval double compiled_restart_decimal(std::string_view s) {
  auto x = parse_decimal(s);
  if (!x)
    throw "invalid number in a meson option restart_strategy_*: use e.g. 1.5 or 0.1";
  return *x;
}

/// "default" or "" leave the type unset.
consteval std::optional<restart_strategy_type> compiled_restart_type(std::string_view s) {
  if (s.empty() || s == "default")
    return std::nullopt;
  auto t = parse_restart_strategy_type(s);
  if (!t)
    throw "invalid meson option restart_strategy_type";
  return t;
}

/// "" or "default": unset; "unlimited"; or a whole number.
consteval std::optional<int32_t> compiled_restart_attempts(std::string_view s) {
  if (s.empty() || s == "default")
    return std::nullopt;
  if (s == "unlimited" || s == "infinite")
    return restart_strategy::unlimited_attempts;
  int64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      throw "invalid meson option restart_strategy_attempts: a whole number, unlimited or empty";
    n = n * 10 + (c - '0');
    if (n > restart_strategy::unlimited_attempts)
      throw "meson option restart_strategy_attempts too large";
  }
  return static_cast<int32_t>(n);
}

} // namespace detail

struct restart_config {
  /// Flink's defaults of restart-strategy.fixed-delay.attempts and
  /// restart-strategy.exponential-delay.attempts-before-reset-backoff, used
  /// while `attempts` is unset.
  static constexpr int32_t default_fixed_delay_attempts = 1;
  static constexpr int32_t default_exponential_delay_attempts = restart_strategy::unlimited_attempts;
  /// Upper bound of every duration (as for checkpointing: one year).
  static constexpr std::chrono::milliseconds maximal_duration = checkpoint_config::maximal_duration;

  /// `type`: unset ("default") until `resolve`; then exponential-delay with
  /// checkpointing, none without (Flink 1.19+).
  std::optional<restart_strategy_type> type
    = detail::compiled_restart_type(SLUICE_DEFAULT_RESTART_STRATEGY_TYPE);
  /// `attempts`: fixed-delay: restarts before the job fails; exponential-
  /// delay: restarts before the job fails unless the backoff resets in
  /// between. Unset: 1 for fixed-delay, unlimited for exponential-delay.
  std::optional<int32_t> attempts
    = detail::compiled_restart_attempts(SLUICE_DEFAULT_RESTART_STRATEGY_ATTEMPTS);
  /// `delay`: fixed-delay and failure-rate: wait before each restart.
  std::chrono::milliseconds delay
    = detail::compiled_restart_duration(SLUICE_DEFAULT_RESTART_STRATEGY_DELAY);
  /// `max-failures-per-interval`: failure-rate: failures tolerated within
  /// the interval; one more fails the job.
  int32_t max_failures_per_interval = SLUICE_DEFAULT_RESTART_STRATEGY_MAX_FAILURES_PER_INTERVAL;
  /// `failure-rate-interval`: failure-rate: the sliding window.
  std::chrono::milliseconds failure_rate_interval
    = detail::compiled_restart_duration(SLUICE_DEFAULT_RESTART_STRATEGY_FAILURE_RATE_INTERVAL);
  /// `initial-backoff`: exponential-delay: first backoff and after a reset.
  std::chrono::milliseconds initial_backoff
    = detail::compiled_restart_duration(SLUICE_DEFAULT_RESTART_STRATEGY_INITIAL_BACKOFF);
  /// `max-backoff`: exponential-delay: upper bound of the backoff.
  std::chrono::milliseconds max_backoff
    = detail::compiled_restart_duration(SLUICE_DEFAULT_RESTART_STRATEGY_MAX_BACKOFF);
  /// `backoff-multiplier`: exponential-delay: growth per attempt (> 1).
  double backoff_multiplier
    = detail::compiled_restart_decimal(SLUICE_DEFAULT_RESTART_STRATEGY_BACKOFF_MULTIPLIER);
  /// `reset-backoff-threshold`: exponential-delay: failure-free time after
  /// a restart that resets backoff and attempts.
  std::chrono::milliseconds reset_backoff_threshold
    = detail::compiled_restart_duration(SLUICE_DEFAULT_RESTART_STRATEGY_RESET_BACKOFF_THRESHOLD);
  /// `jitter-factor`: exponential-delay: random share of the backoff added
  /// or subtracted (0 .. 1).
  double jitter_factor
    = detail::compiled_restart_decimal(SLUICE_DEFAULT_RESTART_STRATEGY_JITTER_FACTOR);

  /// Flink's RestartStrategies: a config of one type with the given
  /// values, the compiled-in defaults for the others.
  static restart_config no_restart();
  static restart_config fixed_delay(int32_t attempts, std::chrono::milliseconds delay);
  static restart_config failure_rate(int32_t max_failures_per_interval,
                                     std::chrono::milliseconds interval,
                                     std::chrono::milliseconds delay);
  static restart_config exponential_delay(std::chrono::milliseconds initial_backoff,
                                          std::chrono::milliseconds max_backoff,
                                          double backoff_multiplier,
                                          std::chrono::milliseconds reset_backoff_threshold,
                                          double jitter_factor);

  /// Every option name, without the `restart-strategy.` prefix, in table
  /// order.
  static const std::vector<std::string_view>& option_names();

  /// Sets one option from its string form, as the config file and command
  /// line spell it; `option` with or without the `restart-strategy.`
  /// prefix. Durations need units ("500ms", "1min"); `type` and `attempts`
  /// also take "default" (or "") for unset; `attempts` takes "unlimited".
  /// Returns an error naming the option ("restart-strategy.type = sometimes:
  /// expected ...") and leaves the config unchanged on error. Checks the
  /// form only; `validate()` checks ranges and combinations.
  std::optional<std::string> set(std::string_view option, std::string_view value);

  /// The string form of one option's value (as `set` accepts it); nullopt
  /// for an unknown option.
  std::optional<std::string> get(std::string_view option) const;

  /// Every option with its value, `restart-strategy.`-prefixed.
  std::vector<std::pair<std::string, std::string>> values() const;

  /// Nullopt when valid, else a message naming the first offending option,
  /// its value and what is allowed (Flink's checks: delay >= 0, interval >
  /// 0, max-failures-per-interval >= 1, initial-backoff and max-backoff >=
  /// 1ms, multiplier > 1, threshold >= 1ms, jitter-factor 0 .. 1, attempts
  /// >= 0). With type exponential-delay also: initial-backoff <=
  /// max-backoff and attempts >= 1. Validate the resolved config to check
  /// those for the default type too.
  std::optional<std::string> validate() const;

  /// `type` when set, else exponential-delay when checkpointing is enabled
  /// and none when not (Flink 1.19+'s default).
  restart_strategy_type resolved_type(bool checkpointing_enabled) const noexcept;

  /// A copy with `type` set to `resolved_type(checkpointing_enabled)`
  /// (idempotent: a set type stays).
  restart_config resolve(bool checkpointing_enabled) const;

  /// The attempts a strategy of type `t` gets: `attempts` when set, else
  /// Flink's default for `t` (1 for fixed-delay, unlimited for
  /// exponential-delay; not used by the others).
  int32_t effective_attempts(restart_strategy_type t) const noexcept;

  /// The strategy of a valid config: of `type`, or none when the type is
  /// unset (call `resolve` first). `jitter`: exponential-delay's random
  /// source (empty: seeded from std::random_device).
  std::unique_ptr<restart_strategy> make_strategy(jitter_source jitter = {}) const;
};

} // namespace sluice
