// Combined watermark of a subtask with n input channels: the minimum over
// its active inputs, with idle inputs left out (Flink's StatusWatermarkValve).
//
// Pure class, no CAF: the subtask actor owns one, feeds it every watermark,
// idle/active status change and end-of-input it receives, and forwards a
// watermark downstream (and fires event-time timers) only when `update`,
// `mark_idle`, `mark_active` or `finish` return one. Not thread-safe (one
// actor). Preconditions (programmer errors, assert): a channel index is
// < num_inputs(); a tracker with zero inputs (a source) receives no calls to
// update, mark_idle, mark_active or finish.
//
// Rules (each input channel is active or idle, and aligned or not):
// - The combined watermark never goes back. It is the minimum over the
//   *aligned* inputs: active inputs whose watermark is at or above the
//   combined watermark, and finished inputs (which count as max_watermark).
// - An idle input does not hold the minimum back. An input that becomes
//   active again (mark_active, or any watermark arriving on it) is aligned
//   at once if its last watermark is at or above the combined watermark;
//   otherwise it is ignored until a watermark of its own catches up (as in
//   Flink: records it sends meanwhile are late).
// - The combined watermark advances only while at least one non-finished
//   input is active and aligned (or once every input finished): finished
//   inputs never drive it on their own. Without idle inputs this is the
//   plain minimum.
// - When every non-finished input is idle (`all_idle()`), none of them will
//   advance it, so it flushes to the highest watermark among them (as
//   Flink's valve does); the host then tells downstream it is idle, and
//   that it is active again when all_idle() turns false. An input that
//   comes back below the flushed watermark waits to catch up.
// - Finished inputs are never idle: finish(c) clears c's idle mark.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace sluice {

class watermark_tracker {
public:
  using timestamp = int64_t;
  static constexpr timestamp min_watermark = INT64_MIN;
  static constexpr timestamp max_watermark = INT64_MAX;

  /// All inputs start active, aligned and at min_watermark.
  explicit watermark_tracker(size_t num_inputs) : channels_(num_inputs) {
  }

  /// Records watermark `ts` on input `channel`. A watermark on an idle
  /// channel first marks it active (see mark_active), whatever its value. A
  /// watermark not above the channel's previous one is then ignored
  /// (watermarks never go back), as is any watermark on a finished channel.
  /// Returns the new combined watermark if it advanced, std::nullopt
  /// otherwise; the host compares all_idle() before and after the call to
  /// see whether the subtask turned active. Precondition: channel <
  /// num_inputs().
  std::optional<timestamp> update(size_t channel, timestamp ts) {
    assert(channel < channels_.size());
    auto& ch = channels_[channel];
    if (ch.finished)
      return std::nullopt;
    bool changed = false;
    if (ch.idle) {
      activate(ch);
      changed = true;
    }
    if (ts > ch.watermark) {
      ch.watermark = ts;
      if (ts >= current_)
        ch.aligned = true; // a lagging channel caught up
      changed = true;
    }
    return changed ? recompute() : std::nullopt;
  }

  /// Marks input `channel` idle: it no longer holds the minimum back, so the
  /// combined watermark may advance to the minimum of the remaining aligned
  /// inputs; once every non-finished input is idle, to the highest
  /// watermark among them.
  /// Returns the new combined watermark if it advanced. No effect (nullopt)
  /// on an idle or finished channel. Precondition: channel < num_inputs().
  std::optional<timestamp> mark_idle(size_t channel) {
    assert(channel < channels_.size());
    auto& ch = channels_[channel];
    if (ch.idle || ch.finished)
      return std::nullopt;
    ch.idle = true;
    ch.aligned = false;
    ++num_idle_;
    return recompute();
  }

  /// Marks input `channel` active again. It is aligned at once if its last
  /// watermark is at or above the combined watermark, else it waits to catch
  /// up. Returns the new combined watermark if it advanced, which happens
  /// only when no other non-finished input was active and aligned and this
  /// channel's watermark is above the combined one. No effect (nullopt) on
  /// an active or finished channel. Precondition: channel < num_inputs().
  std::optional<timestamp> mark_active(size_t channel) {
    assert(channel < channels_.size());
    auto& ch = channels_[channel];
    if (!ch.idle || ch.finished)
      return std::nullopt;
    activate(ch);
    return recompute();
  }

  /// Marks input `channel` as finished (end of input): from now on it no
  /// longer holds the minimum back, as if it had sent max_watermark, and it
  /// is no longer idle. Returns the new combined watermark if it advanced;
  /// max_watermark once every input finished. Idempotent. Precondition:
  /// channel < num_inputs().
  std::optional<timestamp> finish(size_t channel) {
    assert(channel < channels_.size());
    auto& ch = channels_[channel];
    if (ch.finished)
      return std::nullopt;
    if (ch.idle) {
      ch.idle = false;
      --num_idle_;
    }
    ch.finished = true;
    ch.aligned = true;
    ch.watermark = max_watermark;
    ++num_finished_;
    return recompute();
  }

  /// The combined watermark; min_watermark until every active input
  /// reported one (and always for zero inputs).
  timestamp current() const noexcept {
    return current_;
  }

  size_t num_inputs() const noexcept {
    return channels_.size();
  }

  /// Last watermark of one input (max_watermark once finished). Kept while
  /// the input is idle.
  timestamp channel_watermark(size_t channel) const {
    assert(channel < channels_.size());
    return channels_[channel].watermark;
  }

  bool is_finished(size_t channel) const {
    assert(channel < channels_.size());
    return channels_[channel].finished;
  }

  /// True between mark_idle(channel) and the next mark_active, watermark or
  /// finish on it.
  bool is_idle(size_t channel) const {
    assert(channel < channels_.size());
    return channels_[channel].idle;
  }

  /// True when there is at least one input and every input finished.
  bool all_finished() const noexcept {
    return !channels_.empty() && num_finished_ == channels_.size();
  }

  /// True when at least one input is idle and every input is idle or
  /// finished: the subtask as a whole is idle.
  bool all_idle() const noexcept {
    return num_idle_ > 0 && num_idle_ + num_finished_ == channels_.size();
  }

private:
  struct channel_status {
    timestamp watermark = min_watermark;
    bool idle = false;
    bool finished = false;
    /// Counts for the minimum: active and not behind the combined watermark.
    bool aligned = true;
  };

  void activate(channel_status& ch) {
    ch.idle = false;
    --num_idle_;
    ch.aligned = ch.watermark >= current_;
  }

  // The number of inputs is a task's parallelism and watermarks are rare
  // next to records: a linear scan per call is cheap.
  std::optional<timestamp> recompute() {
    if (all_idle())
      return flush_idle();
    std::optional<timestamp> lowest;
    bool driven = all_finished(); // by a live aligned input, or by the end
    for (auto& ch : channels_) {
      if (ch.aligned && !ch.idle) {
        lowest = lowest ? std::min(*lowest, ch.watermark) : ch.watermark;
        driven = driven || !ch.finished;
      }
    }
    if (!driven || !lowest || *lowest <= current_)
      return std::nullopt;
    current_ = *lowest;
    return current_;
  }

  /// Every non-finished input is idle: the highest of their watermarks.
  std::optional<timestamp> flush_idle() {
    timestamp highest = min_watermark;
    for (auto& ch : channels_)
      if (ch.idle)
        highest = std::max(highest, ch.watermark);
    if (highest <= current_)
      return std::nullopt;
    current_ = highest;
    return current_;
  }

  std::vector<channel_status> channels_;
  size_t num_finished_ = 0;
  size_t num_idle_ = 0;
  timestamp current_ = min_watermark;
};

} // namespace sluice
