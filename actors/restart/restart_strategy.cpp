#include "actors/restart/restart_strategy.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <memory>
#include <random>

#include "actors/checkpoint/checkpoint_config.hpp" // format_duration
#include "actors/restart/restart_config.hpp"      // format_decimal

namespace sluice {

namespace {

using std::chrono::milliseconds;

constexpr std::string_view suppressed = "recovery is suppressed by the ";

/// Whole milliseconds from `from` to `to`, rounded up (never negative), so
/// that a restart scheduled after it is not early.
milliseconds ms_until(restart_strategy::time_point from, restart_strategy::time_point to) {
  if (to <= from)
    return milliseconds{0};
  return std::chrono::ceil<milliseconds>(to - from);
}

std::string attempts_text(int64_t n) {
  if (n >= restart_strategy::unlimited_attempts)
    return "unlimited";
  return std::to_string(n);
}

} // namespace

const char* to_string(restart_strategy_type x) noexcept {
  switch (x) {
    case restart_strategy_type::none:
      return "none";
    case restart_strategy_type::fixed_delay:
      return "fixed-delay";
    case restart_strategy_type::failure_rate:
      return "failure-rate";
    case restart_strategy_type::exponential_delay:
      return "exponential-delay";
  }
  return "?";
}

jitter_source seeded_jitter(uint64_t seed) {
  auto gen = std::make_shared<std::mt19937_64>(seed);
  return [gen](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>{lo, hi}(*gen);
  };
}

jitter_source random_jitter() {
  std::random_device rd;
  return seeded_jitter((uint64_t{rd()} << 32) ^ rd());
}

std::string restart_strategy::failure_message(std::string_view cause, time_point now) const {
  auto result = give_up_reason(now);
  if (!cause.empty())
    result += "; cause: " + std::string{cause};
  return result;
}

// -- none ---------------------------------------------------------------------

bool no_restart_strategy::notify_failure(time_point) {
  return true;
}

bool no_restart_strategy::can_restart(time_point) const {
  return false;
}

milliseconds no_restart_strategy::backoff_time(time_point) const {
  return milliseconds{0};
}

std::string no_restart_strategy::describe() const {
  return "none";
}

std::string no_restart_strategy::give_up_reason(time_point) const {
  return std::string{suppressed}
         + "none restart strategy (restart-strategy.type = none, the default without "
           "checkpointing): a failure ends the job";
}

// -- fixed-delay --------------------------------------------------------------

fixed_delay_restart_strategy::fixed_delay_restart_strategy(int32_t attempts, milliseconds delay)
  : attempts_(attempts), delay_(delay) {
  assert(attempts >= 0);
  assert(delay.count() >= 0);
}

bool fixed_delay_restart_strategy::notify_failure(time_point) {
  ++failures_;
  return true;
}

bool fixed_delay_restart_strategy::can_restart(time_point) const {
  return failures_ <= attempts_;
}

milliseconds fixed_delay_restart_strategy::backoff_time(time_point) const {
  return delay_;
}

std::string fixed_delay_restart_strategy::describe() const {
  return "fixed-delay (attempts " + attempts_text(attempts_) + ", delay "
         + format_duration(delay_) + ")";
}

std::string fixed_delay_restart_strategy::give_up_reason(time_point) const {
  return std::string{suppressed} + "fixed-delay restart strategy: its "
         + attempts_text(attempts_) + " restart attempt" + (attempts_ == 1 ? " is" : "s are")
         + " used up (restart-strategy.attempts = " + attempts_text(attempts_) + ", "
         + std::to_string(failures_) + (failures_ == 1 ? " failure)" : " failures)");
}

// -- failure-rate -------------------------------------------------------------

failure_rate_restart_strategy::failure_rate_restart_strategy(int32_t max_failures_per_interval,
                                                             milliseconds interval,
                                                             milliseconds delay)
  : max_failures_(max_failures_per_interval), interval_(interval), delay_(delay) {
  assert(max_failures_per_interval >= 1);
  assert(interval.count() > 0);
  assert(delay.count() >= 0);
}

bool failure_rate_restart_strategy::notify_failure(time_point now) {
  if (window_full())
    failures_.pop_front();
  failures_.push_back(now);
  return true;
}

bool failure_rate_restart_strategy::can_restart(time_point now) const {
  if (!window_full())
    return true;
  return now - failures_.front() > interval_;
}

milliseconds failure_rate_restart_strategy::backoff_time(time_point) const {
  return delay_;
}

std::string failure_rate_restart_strategy::describe() const {
  return "failure-rate (max-failures-per-interval " + std::to_string(max_failures_)
         + ", failure-rate-interval " + format_duration(interval_) + ", delay "
         + format_duration(delay_) + ")";
}

std::string failure_rate_restart_strategy::give_up_reason(time_point now) const {
  auto span = failures_.empty() ? milliseconds{0} : ms_until(failures_.front(), now);
  return std::string{suppressed} + "failure-rate restart strategy: "
         + std::to_string(failures_.size()) + " failures within " + format_duration(span)
         + " exceed restart-strategy.max-failures-per-interval = "
         + std::to_string(max_failures_) + " per restart-strategy.failure-rate-interval = "
         + format_duration(interval_);
}

// -- exponential-delay --------------------------------------------------------

exponential_delay_restart_strategy::exponential_delay_restart_strategy(
  exponential_delay_params params, jitter_source jitter)
  : params_(params), jitter_(jitter ? std::move(jitter) : random_jitter()) {
  assert(params.initial_backoff.count() >= 1);
  assert(params.max_backoff >= params.initial_backoff);
  assert(params.backoff_multiplier > 1);
  assert(params.reset_backoff_threshold.count() >= 1);
  assert(params.jitter_factor >= 0 && params.jitter_factor <= 1);
  assert(params.attempts_before_reset >= 1);
}

bool exponential_delay_restart_strategy::notify_failure(time_point now) {
  // Merge failures into the attempt whose restart is still to come.
  if (next_restart_ && now <= *next_restart_)
    return false;
  if (!next_restart_ || now - *next_restart_ >= params_.reset_backoff_threshold)
    attempt_ = 0;
  next_restart_ = now + next_backoff();
  ++attempt_;
  return true;
}

bool exponential_delay_restart_strategy::can_restart(time_point) const {
  return attempt_ <= params_.attempts_before_reset;
}

milliseconds exponential_delay_restart_strategy::backoff_time(time_point now) const {
  return next_restart_ ? ms_until(now, *next_restart_) : milliseconds{0};
}

milliseconds exponential_delay_restart_strategy::next_backoff() {
  const auto initial = params_.initial_backoff.count();
  const auto max = params_.max_backoff.count();
  // Flink: (long) (initial * pow(multiplier, attempt)). Bounded far above
  // any valid max backoff (at most a year) so that adding the jitter cannot
  // overflow (Flink's long arithmetic would).
  constexpr double bound = 1e15;
  double exact = static_cast<double>(initial)
                 * std::pow(params_.backoff_multiplier, static_cast<double>(attempt_));
  int64_t current = std::isfinite(exact) && exact < bound ? static_cast<int64_t>(exact)
                                                          : static_cast<int64_t>(bound);
  int64_t jitter = 0;
  if (params_.jitter_factor != 0) {
    auto offset = static_cast<int64_t>(static_cast<double>(current) * params_.jitter_factor);
    jitter = jitter_(-offset, offset);
  }
  return milliseconds{std::max(initial, std::min(current + jitter, max))};
}

std::string exponential_delay_restart_strategy::describe() const {
  return "exponential-delay (initial-backoff " + format_duration(params_.initial_backoff)
         + ", max-backoff " + format_duration(params_.max_backoff) + ", backoff-multiplier "
         + format_decimal(params_.backoff_multiplier) + ", reset-backoff-threshold "
         + format_duration(params_.reset_backoff_threshold) + ", jitter-factor "
         + format_decimal(params_.jitter_factor) + ", attempts "
         + attempts_text(params_.attempts_before_reset) + ")";
}

std::string exponential_delay_restart_strategy::give_up_reason(time_point) const {
  const auto n = params_.attempts_before_reset;
  return std::string{suppressed} + "exponential-delay restart strategy: its "
         + attempts_text(n) + " restart attempt" + (n == 1 ? " is" : "s are")
         + " used up without a failure-free restart-strategy.reset-backoff-threshold = "
         + format_duration(params_.reset_backoff_threshold)
         + " to reset them (restart-strategy.attempts = " + attempts_text(n) + ")";
}

} // namespace sluice
