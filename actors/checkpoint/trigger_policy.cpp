#include "actors/checkpoint/trigger_policy.hpp"

#include <algorithm>

namespace sluice {

const char* to_string(trigger_verdict v) noexcept {
  switch (v) {
    case trigger_verdict::trigger:
      return "trigger";
    case trigger_verdict::wait_for_interval:
      return "wait_for_interval";
    case trigger_verdict::wait_for_min_pause:
      return "wait_for_min_pause";
    case trigger_verdict::too_many_concurrent:
      return "too_many_concurrent";
    case trigger_verdict::not_all_running:
      return "not_all_running";
    case trigger_verdict::disabled:
      return "disabled";
  }
  return "?";
}

trigger_policy::trigger_policy(const checkpoint_config& cfg)
  : min_pause_(cfg.min_pause), max_concurrent_(std::max(cfg.effective_max_concurrent(), 1)) {
  if (cfg.interval)
    interval_ = *cfg.interval;
}

void trigger_policy::start(checkpoint_time now, std::optional<checkpoint_duration> initial_delay) {
  if (!interval_)
    return;
  running_ = true;
  next_due_ = now + initial_delay.value_or(*interval_);
}

void trigger_policy::stop() noexcept {
  running_ = false;
}

std::optional<checkpoint_time> trigger_policy::next_due() const noexcept {
  if (!running_)
    return std::nullopt;
  return next_due_;
}

std::optional<checkpoint_time> trigger_policy::min_pause_until() const noexcept {
  if (!last_end_ || min_pause_.count() <= 0)
    return std::nullopt;
  return *last_end_ + min_pause_;
}

trigger_decision trigger_policy::decide(checkpoint_time now, size_t pending,
                                        bool all_running) const {
  if (!running_)
    return {trigger_verdict::disabled, std::nullopt};
  if (now < next_due_)
    return {trigger_verdict::wait_for_interval, next_due_};
  if (auto until = min_pause_until(); until && now < *until)
    return {trigger_verdict::wait_for_min_pause, *until};
  if (pending >= static_cast<size_t>(max_concurrent_))
    return {trigger_verdict::too_many_concurrent, std::nullopt};
  if (!all_running)
    return {trigger_verdict::not_all_running, now + *interval_};
  // After on_triggered(now) the next one is due one interval later; with
  // max-concurrent 1 it then waits for this one to end anyway.
  return {trigger_verdict::trigger, now + *interval_};
}

void trigger_policy::on_triggered(checkpoint_time now) noexcept {
  if (running_)
    next_due_ = now + *interval_;
}

void trigger_policy::on_declined(checkpoint_time now) noexcept {
  if (running_)
    next_due_ = now + *interval_;
}

void trigger_policy::on_checkpoint_end(checkpoint_time now) noexcept {
  last_end_ = last_end_ ? std::max(*last_end_, now) : now;
}

} // namespace sluice
