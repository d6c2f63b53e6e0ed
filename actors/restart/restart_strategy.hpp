// Restart strategies: whether and when a failed job restarts (Flink's
// RestartBackoffTimeStrategy and its four implementations, as of Flink
// 1.19+). Plain classes, no CAF; time is passed in, so tests drive them
// with a made-up clock.
//
// Who calls them: the job master, one strategy object per job (made by
// `restart_config::make_strategy`, actors/restart/restart_config.hpp),
// from its own actor only (not thread-safe). On every failure of the job:
//
//   bool new_attempt = strategy.notify_failure(now);
//   if (strategy.can_restart(now))
//     restart after strategy.backoff_time(now);  // new_attempt: count it
//   else
//     fail the job with strategy.failure_message(cause, now);
//
// as Flink's ExecutionFailureHandler does. `now` only moves forward.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

/// `restart-strategy.type` (Flink's RestartStrategyType).
enum class restart_strategy_type : uint8_t {
  /// A failure fails the job (Flink's NoRestartBackoffTimeStrategy).
  none,
  /// Up to `attempts` restarts, `delay` apart.
  fixed_delay,
  /// Restarts while no more than `max-failures-per-interval` failures fall
  /// within `failure-rate-interval`; `delay` apart.
  failure_rate,
  /// Backoff growing from `initial-backoff` by `backoff-multiplier` up to
  /// `max-backoff`, with jitter; reset after `reset-backoff-threshold`
  /// without failure.
  exponential_delay,
};

/// "none", "fixed-delay", "failure-rate", "exponential-delay".
const char* to_string(restart_strategy_type x) noexcept;

/// The names of `to_string` plus Flink's aliases ("off" and "disable" for
/// none, "fixeddelay", "failurerate", "exponentialdelay"); case-sensitive.
constexpr std::optional<restart_strategy_type>
parse_restart_strategy_type(std::string_view s) noexcept {
  if (s == "none" || s == "off" || s == "disable")
    return restart_strategy_type::none;
  if (s == "fixed-delay" || s == "fixeddelay")
    return restart_strategy_type::fixed_delay;
  if (s == "failure-rate" || s == "failurerate")
    return restart_strategy_type::failure_rate;
  if (s == "exponential-delay" || s == "exponentialdelay")
    return restart_strategy_type::exponential_delay;
  return std::nullopt;
}

/// Draws a uniformly distributed integer in [lo, hi] (both inclusive;
/// called with lo <= hi). The exponential-delay strategy's jitter comes from
/// one, so tests can make it deterministic.
using jitter_source = std::function<int64_t(int64_t lo, int64_t hi)>;

/// A jitter source on `std::mt19937_64` seeded with `seed`: the same seed
/// gives the same draws (on the same standard library).
jitter_source seeded_jitter(uint64_t seed);

/// A jitter source seeded from `std::random_device` (the default).
jitter_source random_jitter();

/// Flink's RestartBackoffTimeStrategy.
class restart_strategy {
public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  /// Flink's Integer.MAX_VALUE attempts: no limit in practice.
  static constexpr int32_t unlimited_attempts = std::numeric_limits<int32_t>::max();

  virtual ~restart_strategy() = default;

  virtual restart_strategy_type type() const noexcept = 0;

  /// Records a failure at `now`. True when it starts a new restart
  /// attempt; false when it is merged into the restart already scheduled
  /// (only exponential-delay merges: a failure at or before its next
  /// restart time), which the job master should not count again.
  virtual bool notify_failure(time_point now) = 0;

  /// Whether the job may restart after the failures notified so far.
  virtual bool can_restart(time_point now) const = 0;

  /// How long to wait before restarting (after `notify_failure`).
  virtual std::chrono::milliseconds backoff_time(time_point now) const = 0;

  /// The strategy with its parameters, e.g. "fixed-delay (attempts 3,
  /// delay 1s)" (Flink's toString).
  virtual std::string describe() const = 0;

  /// Why the job may not restart, naming the strategy and the limit that
  /// was reached with its option, e.g. "recovery is suppressed by the
  /// fixed-delay restart strategy: its 3 restart attempts are used up
  /// (restart-strategy.attempts = 3)". Meaningful once `can_restart(now)`
  /// returned false.
  virtual std::string give_up_reason(time_point now) const = 0;

  /// The job's failure message when the strategy gives up:
  /// `give_up_reason(now)` + "; cause: " + `cause` (Flink's "Recovery is
  /// suppressed by <strategy>" with the failure as cause).
  std::string failure_message(std::string_view cause, time_point now) const;
};

/// Never restarts (Flink's NoRestartBackoffTimeStrategy). The default
/// without checkpointing.
class no_restart_strategy final : public restart_strategy {
public:
  restart_strategy_type type() const noexcept override {
    return restart_strategy_type::none;
  }
  bool notify_failure(time_point now) override;
  bool can_restart(time_point now) const override;
  std::chrono::milliseconds backoff_time(time_point now) const override;
  std::string describe() const override;
  std::string give_up_reason(time_point now) const override;
};

/// At most `attempts` restarts in the job's lifetime, each after `delay`
/// (Flink's FixedDelayRestartBackoffTimeStrategy): failure number
/// `attempts + 1` fails the job. Preconditions: attempts >= 0, delay >= 0.
class fixed_delay_restart_strategy final : public restart_strategy {
public:
  fixed_delay_restart_strategy(int32_t attempts, std::chrono::milliseconds delay);

  restart_strategy_type type() const noexcept override {
    return restart_strategy_type::fixed_delay;
  }
  bool notify_failure(time_point now) override;
  bool can_restart(time_point now) const override;
  std::chrono::milliseconds backoff_time(time_point now) const override;
  std::string describe() const override;
  std::string give_up_reason(time_point now) const override;

  /// Failures notified so far.
  int64_t failures() const noexcept {
    return failures_;
  }

private:
  int32_t attempts_;
  std::chrono::milliseconds delay_;
  int64_t failures_ = 0;
};

/// Restarts after `delay` unless more than `max_failures_per_interval`
/// failures happened within `interval` (Flink's
/// FailureRateRestartBackoffTimeStrategy): it keeps the last
/// `max_failures_per_interval + 1` failure times, and gives up while the
/// oldest of them is no more than `interval` before `now`; once older
/// failures leave the window, it restarts again. Preconditions:
/// max_failures_per_interval >= 1, interval > 0, delay >= 0.
class failure_rate_restart_strategy final : public restart_strategy {
public:
  failure_rate_restart_strategy(int32_t max_failures_per_interval,
                                std::chrono::milliseconds interval,
                                std::chrono::milliseconds delay);

  restart_strategy_type type() const noexcept override {
    return restart_strategy_type::failure_rate;
  }
  bool notify_failure(time_point now) override;
  bool can_restart(time_point now) const override;
  std::chrono::milliseconds backoff_time(time_point now) const override;
  std::string describe() const override;
  std::string give_up_reason(time_point now) const override;

private:
  bool window_full() const noexcept {
    return failures_.size() > static_cast<size_t>(max_failures_);
  }

  int32_t max_failures_;
  std::chrono::milliseconds interval_;
  std::chrono::milliseconds delay_;
  /// Times of the most recent failures, oldest first; at most
  /// max_failures_ + 1.
  std::deque<time_point> failures_;
};

/// Parameters of the exponential-delay strategy (Flink 1.19+ defaults).
struct exponential_delay_params {
  /// Backoff of the first restart (and after a reset); >= 1ms.
  std::chrono::milliseconds initial_backoff{1'000};
  /// Upper bound of every backoff; >= initial_backoff.
  std::chrono::milliseconds max_backoff{60'000};
  /// Growth per attempt; > 1.
  double backoff_multiplier = 1.5;
  /// Running this long after a scheduled restart without a failure resets
  /// the backoff and the attempt count; >= 1ms.
  std::chrono::milliseconds reset_backoff_threshold{3'600'000};
  /// Each backoff varies by up to this fraction of it, either way; 0 .. 1.
  double jitter_factor = 0.1;
  /// Restarts allowed between resets (Flink's
  /// attempts-before-reset-backoff); >= 1.
  int32_t attempts_before_reset = restart_strategy::unlimited_attempts;
};

/// Flink 1.19's ExponentialDelayRestartBackoffTimeStrategy. A failure after
/// the next scheduled restart time starts attempt n (0 after a reset): its
/// restart is scheduled at now + clamp(b + j, initial, max) with
/// b = initial * multiplier^n (truncated to ms) and j uniform in
/// [-b * jitter, +b * jitter]; so without jitter the backoffs are 1s, 1.5s,
/// 2.25s, ... up to max. A failure at or before the scheduled restart time
/// merges into it (notify_failure returns false). A failure at least
/// `reset_backoff_threshold` after the scheduled restart time resets n to 0.
/// It gives up after `attempts_before_reset` attempts without a reset.
class exponential_delay_restart_strategy final : public restart_strategy {
public:
  /// `params` valid as documented there; `jitter` empty: random_jitter().
  explicit exponential_delay_restart_strategy(exponential_delay_params params,
                                              jitter_source jitter = {});

  restart_strategy_type type() const noexcept override {
    return restart_strategy_type::exponential_delay;
  }
  bool notify_failure(time_point now) override;
  bool can_restart(time_point now) const override;
  /// Time left until the scheduled restart (0 when it has passed or
  /// nothing failed yet).
  std::chrono::milliseconds backoff_time(time_point now) const override;
  std::string describe() const override;
  std::string give_up_reason(time_point now) const override;

  /// Attempts since the last reset (Flink's currentRestartAttempt).
  int64_t current_attempt() const noexcept {
    return attempt_;
  }

  /// When the restart of the latest attempt is due (unset before the first
  /// failure).
  std::optional<time_point> next_restart() const noexcept {
    return next_restart_;
  }

private:
  std::chrono::milliseconds next_backoff();

  exponential_delay_params params_;
  jitter_source jitter_;
  int64_t attempt_ = 0;
  std::optional<time_point> next_restart_;
};

} // namespace sluice
