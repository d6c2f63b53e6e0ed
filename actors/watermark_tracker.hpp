// Combined watermark of a subtask with n input channels: the minimum over
// its inputs (Flink's StatusWatermarkValve, without idleness).
//
// Pure class, no CAF: the subtask actor owns one, feeds it every watermark
// and end-of-input it receives, and forwards a watermark downstream (and
// fires event-time timers) only when `update`/`finish` return one. Not
// thread-safe (one actor). Preconditions (programmer errors, assert): a
// channel index is < num_inputs(); a tracker with zero inputs (a source)
// receives no calls to update or finish.
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

  explicit watermark_tracker(size_t num_inputs)
    : channels_(num_inputs, min_watermark), finished_(num_inputs, false) {
  }

  /// Records watermark `ts` on input `channel`. A watermark not above the
  /// channel's previous one is ignored (watermarks never go back), as is any
  /// watermark on a finished channel. Returns the new combined watermark if
  /// it advanced, std::nullopt otherwise. Precondition: channel < num_inputs().
  std::optional<timestamp> update(size_t channel, timestamp ts) {
    assert(channel < channels_.size());
    if (finished_[channel] || ts <= channels_[channel])
      return std::nullopt;
    auto previous = channels_[channel];
    channels_[channel] = ts;
    // Only the channel that held the minimum can move it.
    if (previous != current_)
      return std::nullopt;
    return recompute();
  }

  /// Marks input `channel` as finished (end of input): from now on it no
  /// longer holds the minimum back, as if it had sent max_watermark. Returns
  /// the new combined watermark if it advanced; max_watermark once every input
  /// finished. Idempotent. Precondition: channel < num_inputs().
  std::optional<timestamp> finish(size_t channel) {
    assert(channel < channels_.size());
    if (finished_[channel])
      return std::nullopt;
    finished_[channel] = true;
    ++num_finished_;
    auto previous = channels_[channel];
    channels_[channel] = max_watermark;
    if (previous != current_)
      return std::nullopt;
    return recompute();
  }

  /// Minimum watermark over the inputs; min_watermark until every input
  /// reported one (and always for zero inputs).
  timestamp current() const noexcept {
    return current_;
  }

  size_t num_inputs() const noexcept {
    return channels_.size();
  }

  /// Last watermark of one input (max_watermark once finished).
  timestamp channel_watermark(size_t channel) const {
    assert(channel < channels_.size());
    return channels_[channel];
  }

  bool is_finished(size_t channel) const {
    assert(channel < finished_.size());
    return finished_[channel];
  }

  /// True when there is at least one input and every input finished.
  bool all_finished() const noexcept {
    return !channels_.empty() && num_finished_ == channels_.size();
  }

private:
  std::optional<timestamp> recompute() {
    auto lowest = *std::min_element(channels_.begin(), channels_.end());
    if (lowest <= current_)
      return std::nullopt;
    current_ = lowest;
    return current_;
  }

  std::vector<timestamp> channels_; // last watermark per input
  std::vector<bool> finished_;
  size_t num_finished_ = 0;
  timestamp current_ = min_watermark;
};

} // namespace sluice
