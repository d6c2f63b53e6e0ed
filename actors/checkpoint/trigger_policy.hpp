// When the coordinator may trigger the next periodic checkpoint (the
// scheduling half of Flink's CheckpointCoordinator + CheckpointRequestDecider).
//
// Owned by the coordinator actor. Pure: the actor passes the time, the
// number of checkpoints in progress and whether every subtask runs, and
// reports what it did; the policy answers when to try next, and the actor
// schedules one timer message for that time (`delayed_send` of its tick).
//
// Rules, for a config with an interval:
// - Checkpoints are due every `interval`, measured from the previous
//   trigger (start to start; no catch-up bursts after a long checkpoint).
//   The first is due at `start + initial_delay` (default: one interval).
// - min-pause: no trigger before the end of the last checkpoint (completed
//   or aborted) plus `min_pause`. Flink measures from the last completion
//   only; counting aborts too keeps its promise "a minimum amount of time
//   passes where no checkpoint is in progress" after an expired checkpoint.
// - max-concurrent (the effective one: 1 with min-pause or unaligned): with
//   that many checkpoints in progress a due trigger waits; it fires as soon
//   as one ends (subject to min-pause), like Flink's queued request.
// - not all subtasks running (deploying, restarting): the trigger is
//   declined (`not_all_required_tasks_running`, which does not count as a
//   failed checkpoint) and retried one interval later.
// Savepoints bypass this policy (Flink forces them): they only need every
// subtask running.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "actors/checkpoint/checkpoint_config.hpp"
#include "actors/checkpoint/checkpoint_types.hpp"

namespace sluice {

enum class trigger_verdict : uint8_t {
  /// Trigger a checkpoint now (then call `on_triggered(now)`).
  trigger,
  /// Not due yet: the interval since the last trigger has not passed.
  wait_for_interval,
  /// Due, but min-pause since the end of the last checkpoint has not passed.
  wait_for_min_pause,
  /// Due, but max-concurrent checkpoints are in progress: ask again when
  /// one ends.
  too_many_concurrent,
  /// Due, but some subtasks are not running: decline (then call
  /// `on_declined(now)`).
  not_all_running,
  /// Periodic checkpoints are off (no interval) or stopped.
  disabled,
};

const char* to_string(trigger_verdict v) noexcept;

struct trigger_decision {
  trigger_verdict verdict = trigger_verdict::disabled;
  /// When to call `decide` again (schedule the tick for it); nullopt: only
  /// when a checkpoint ends (too_many_concurrent) or never (disabled). For
  /// `trigger` and `not_all_running` it is the next attempt after the caller
  /// reported what it did (on_triggered / on_declined).
  std::optional<checkpoint_time> next_attempt;
};

class trigger_policy {
public:
  /// Takes interval, min-pause and the effective max-concurrent of `cfg`
  /// (validated before).
  explicit trigger_policy(const checkpoint_config& cfg);

  /// Starts periodic triggering at `now`; the first checkpoint is due at
  /// `now + initial_delay` (default: one interval; Flink picks a random
  /// delay between min-pause and the interval). No-op without an interval.
  void start(checkpoint_time now, std::optional<checkpoint_duration> initial_delay = {});

  /// Stops periodic triggering (job ending or failing over); `decide`
  /// answers `disabled` until `start` again.
  void stop() noexcept;

  bool running() const noexcept {
    return running_;
  }

  /// What to do at `now` with `pending` checkpoints in progress (including
  /// savepoints) and `all_running` telling whether every subtask that has
  /// not finished is running. Checks, in order: disabled, interval,
  /// min-pause, max-concurrent, running subtasks. Changes nothing.
  trigger_decision decide(checkpoint_time now, size_t pending, bool all_running) const;

  /// A periodic checkpoint was triggered at `now`: the next is due one
  /// interval later.
  void on_triggered(checkpoint_time now) noexcept;

  /// The trigger at `now` was declined before a checkpoint existed (not all
  /// running, storage could not be prepared): try again one interval later.
  void on_declined(checkpoint_time now) noexcept;

  /// A checkpoint (or savepoint) ended at `now`, completed or aborted: the
  /// min-pause starts here.
  void on_checkpoint_end(checkpoint_time now) noexcept;

  /// When the next periodic checkpoint is due (ignoring min-pause and
  /// concurrency); nullopt when disabled or stopped.
  std::optional<checkpoint_time> next_due() const noexcept;

  /// The earliest time min-pause allows a trigger; nullopt when no
  /// checkpoint ended yet or min-pause is 0.
  std::optional<checkpoint_time> min_pause_until() const noexcept;

  int32_t max_concurrent() const noexcept {
    return max_concurrent_;
  }

private:
  std::optional<checkpoint_duration> interval_;
  checkpoint_duration min_pause_;
  int32_t max_concurrent_;
  bool running_ = false;
  checkpoint_time next_due_{};
  std::optional<checkpoint_time> last_end_;
};

} // namespace sluice
