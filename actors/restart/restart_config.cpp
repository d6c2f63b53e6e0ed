#include "actors/restart/restart_config.hpp"

#include "actors/config/option_parsing.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace sluice {

namespace {

using std::chrono::milliseconds;

constexpr std::string_view restart_prefix = "restart-strategy.";

std::string option_text(std::string_view option) {
  return option_name(restart_prefix, option);
}

std::string option_problem(std::string_view option, std::string_view value, std::string_view what) {
  return option_error(restart_prefix, option, value, what);
}

/// `parse_decimal`'s grammar, read with correct rounding.
std::optional<double> parse_number(std::string_view s) {
  if (!parse_decimal(s))
    return std::nullopt;
  double x = 0;
  auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), x);
  if (err != std::errc{} || end != s.data() + s.size() || !std::isfinite(x))
    return std::nullopt;
  return x;
}

std::string attempts_text(std::optional<int32_t> n) {
  if (!n)
    return "default";
  if (*n == restart_strategy::unlimited_attempts)
    return "unlimited";
  return std::to_string(*n);
}

} // namespace

std::string format_decimal(double x) {
  char buf[64];
  int n = 0;
  for (int precision = 1; precision <= 17; ++precision) {
    n = std::snprintf(buf, sizeof buf, "%.*g", precision, x);
    if (std::strtod(buf, nullptr) == x)
      break;
  }
  return std::string(buf, static_cast<size_t>(n));
}

restart_config restart_config::no_restart() {
  restart_config result;
  result.type = restart_strategy_type::none;
  return result;
}

restart_config restart_config::fixed_delay(int32_t attempts, milliseconds delay) {
  restart_config result;
  result.type = restart_strategy_type::fixed_delay;
  result.attempts = attempts;
  result.delay = delay;
  return result;
}

restart_config restart_config::failure_rate(int32_t max_failures_per_interval,
                                            milliseconds interval, milliseconds delay) {
  restart_config result;
  result.type = restart_strategy_type::failure_rate;
  result.max_failures_per_interval = max_failures_per_interval;
  result.failure_rate_interval = interval;
  result.delay = delay;
  return result;
}

restart_config restart_config::exponential_delay(milliseconds initial_backoff,
                                                 milliseconds max_backoff,
                                                 double backoff_multiplier,
                                                 milliseconds reset_backoff_threshold,
                                                 double jitter_factor) {
  restart_config result;
  result.type = restart_strategy_type::exponential_delay;
  result.initial_backoff = initial_backoff;
  result.max_backoff = max_backoff;
  result.backoff_multiplier = backoff_multiplier;
  result.reset_backoff_threshold = reset_backoff_threshold;
  result.jitter_factor = jitter_factor;
  return result;
}

const std::vector<std::string_view>& restart_config::option_names() {
  static const std::vector<std::string_view> names{
    "type",           "attempts",    "delay",       "max-failures-per-interval",
    "failure-rate-interval", "initial-backoff", "max-backoff", "backoff-multiplier",
    "reset-backoff-threshold", "jitter-factor"};
  return names;
}

std::optional<std::string> restart_config::set(std::string_view option, std::string_view value) {
  if (option.substr(0, restart_prefix.size()) == restart_prefix)
    option.remove_prefix(restart_prefix.size());
  auto bad = [&](std::string_view what) -> std::optional<std::string> {
    return option_problem(option, value, what);
  };
  auto duration = [&](milliseconds& out) -> std::optional<std::string> {
    auto d = parse_duration(value);
    if (!d)
      return bad("expected a duration with a unit (e.g. 500ms, 10s, 1min)");
    out = *d;
    return std::nullopt;
  };
  auto number = [&](double& out) -> std::optional<std::string> {
    auto x = parse_number(value);
    if (!x)
      return bad("expected a decimal number (e.g. 1.5)");
    out = *x;
    return std::nullopt;
  };
  if (option == "type") {
    if (value.empty() || value == "default") {
      type.reset();
      return std::nullopt;
    }
    auto t = parse_restart_strategy_type(value);
    if (!t)
      return bad("expected none, fixed-delay, failure-rate, exponential-delay or default "
                 "(none without checkpointing, exponential-delay with it)");
    type = *t;
    return std::nullopt;
  }
  if (option == "attempts") {
    if (value.empty() || value == "default") {
      attempts.reset();
      return std::nullopt;
    }
    if (value == "unlimited" || value == "infinite") {
      attempts = restart_strategy::unlimited_attempts;
      return std::nullopt;
    }
    auto n = parse_int32(value);
    if (!n)
      return bad("expected a whole number of restart attempts, unlimited or default");
    attempts = *n;
    return std::nullopt;
  }
  if (option == "delay")
    return duration(delay);
  if (option == "max-failures-per-interval") {
    auto n = parse_int32(value);
    if (!n)
      return bad("expected a whole number of failures");
    max_failures_per_interval = *n;
    return std::nullopt;
  }
  if (option == "failure-rate-interval")
    return duration(failure_rate_interval);
  if (option == "initial-backoff")
    return duration(initial_backoff);
  if (option == "max-backoff")
    return duration(max_backoff);
  if (option == "backoff-multiplier")
    return number(backoff_multiplier);
  if (option == "reset-backoff-threshold")
    return duration(reset_backoff_threshold);
  if (option == "jitter-factor")
    return number(jitter_factor);
  return "unknown option " + option_text(option);
}

std::optional<std::string> restart_config::get(std::string_view option) const {
  if (option.substr(0, restart_prefix.size()) == restart_prefix)
    option.remove_prefix(restart_prefix.size());
  if (option == "type")
    return type ? std::string{to_string(*type)} : std::string{"default"};
  if (option == "attempts")
    return attempts_text(attempts);
  if (option == "delay")
    return format_duration(delay);
  if (option == "max-failures-per-interval")
    return std::to_string(max_failures_per_interval);
  if (option == "failure-rate-interval")
    return format_duration(failure_rate_interval);
  if (option == "initial-backoff")
    return format_duration(initial_backoff);
  if (option == "max-backoff")
    return format_duration(max_backoff);
  if (option == "backoff-multiplier")
    return format_decimal(backoff_multiplier);
  if (option == "reset-backoff-threshold")
    return format_duration(reset_backoff_threshold);
  if (option == "jitter-factor")
    return format_decimal(jitter_factor);
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> restart_config::values() const {
  std::vector<std::pair<std::string, std::string>> result;
  for (auto option : option_names())
    result.emplace_back(option_text(option), *get(option));
  return result;
}

std::optional<std::string> restart_config::validate() const {
  const auto maximal = format_duration(maximal_duration);
  auto too_long = [](milliseconds d) { return d > maximal_duration; };
  if (attempts && *attempts < 0)
    return option_problem("attempts", std::to_string(*attempts),
                   "must not be negative (0: fixed-delay never restarts)");
  if (delay.count() < 0 || too_long(delay))
    return option_problem("delay", format_duration(delay), "must be between 0ms and " + maximal);
  if (max_failures_per_interval < 1)
    return option_problem("max-failures-per-interval", std::to_string(max_failures_per_interval),
                   "must be at least 1");
  if (failure_rate_interval.count() < 1 || too_long(failure_rate_interval))
    return option_problem("failure-rate-interval", format_duration(failure_rate_interval),
                   "must be between 1ms and " + maximal);
  if (initial_backoff.count() < 1 || too_long(initial_backoff))
    return option_problem("initial-backoff", format_duration(initial_backoff),
                   "must be between 1ms and " + maximal);
  if (max_backoff.count() < 1 || too_long(max_backoff))
    return option_problem("max-backoff", format_duration(max_backoff),
                   "must be between 1ms and " + maximal);
  if (!(backoff_multiplier > 1) || !std::isfinite(backoff_multiplier))
    return option_problem("backoff-multiplier", format_decimal(backoff_multiplier),
                   "must be greater than 1");
  if (reset_backoff_threshold.count() < 1 || too_long(reset_backoff_threshold))
    return option_problem("reset-backoff-threshold", format_duration(reset_backoff_threshold),
                   "must be between 1ms and " + maximal);
  if (!(jitter_factor >= 0 && jitter_factor <= 1))
    return option_problem("jitter-factor", format_decimal(jitter_factor), "must be between 0 and 1");
  if (type == restart_strategy_type::exponential_delay) {
    if (initial_backoff > max_backoff)
      return option_problem("initial-backoff", format_duration(initial_backoff),
                     "must not exceed restart-strategy.max-backoff = "
                       + format_duration(max_backoff));
    if (attempts && *attempts < 1)
      return option_problem("attempts", std::to_string(*attempts),
                     "must be at least 1 with restart-strategy.type = exponential-delay");
  }
  return std::nullopt;
}

restart_strategy_type restart_config::resolved_type(bool checkpointing_enabled) const noexcept {
  if (type)
    return *type;
  return checkpointing_enabled ? restart_strategy_type::exponential_delay
                               : restart_strategy_type::none;
}

restart_config restart_config::resolve(bool checkpointing_enabled) const {
  auto result = *this;
  result.type = resolved_type(checkpointing_enabled);
  return result;
}

int32_t restart_config::effective_attempts(restart_strategy_type t) const noexcept {
  if (attempts)
    return *attempts;
  return t == restart_strategy_type::exponential_delay ? default_exponential_delay_attempts
                                                       : default_fixed_delay_attempts;
}

std::unique_ptr<restart_strategy> restart_config::make_strategy(jitter_source jitter) const {
  switch (type.value_or(restart_strategy_type::none)) {
    case restart_strategy_type::none:
      break;
    case restart_strategy_type::fixed_delay:
      return std::make_unique<fixed_delay_restart_strategy>(
        effective_attempts(restart_strategy_type::fixed_delay), delay);
    case restart_strategy_type::failure_rate:
      return std::make_unique<failure_rate_restart_strategy>(max_failures_per_interval,
                                                             failure_rate_interval, delay);
    case restart_strategy_type::exponential_delay: {
      exponential_delay_params params;
      params.initial_backoff = initial_backoff;
      params.max_backoff = max_backoff;
      params.backoff_multiplier = backoff_multiplier;
      params.reset_backoff_threshold = reset_backoff_threshold;
      params.jitter_factor = jitter_factor;
      params.attempts_before_reset
        = effective_attempts(restart_strategy_type::exponential_delay);
      return std::make_unique<exponential_delay_restart_strategy>(params, std::move(jitter));
    }
  }
  return std::make_unique<no_restart_strategy>();
}

} // namespace sluice
