// Barrier handling on the input side of a subtask (Flink's
// SingleCheckpointBarrierHandler / CheckpointBarrierTracker), as a plain
// class: it decides, the subtask actor acts (block a channel, snapshot,
// forward the barrier, unblock).
//
// Exactly-once, aligned: the first barrier n starts the alignment; every
// channel that delivered barrier n is blocked (its later items stay queued)
// until each open input delivered it; then checkpoint n's snapshot is taken,
// barrier n goes downstream and all channels are unblocked. At-least-once:
// nothing is blocked; the snapshot is taken when the last barrier n arrived.
// A finished input (end-of-stream) counts as having delivered every barrier
// (FLIP-147). A barrier of a newer checkpoint while aligning an older one
// abandons the older (its channels are unblocked, the caller declines it);
// a barrier of an older or the current, already completed checkpoint is
// ignored.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

namespace sluice {

/// How a subtask handles barriers on its inputs: `aligned` for exactly-once
/// (`checkpointing.mode = exactly_once`), `at_least_once` never blocks.
enum class barrier_handling : uint8_t { aligned, at_least_once };

class barrier_aligner {
public:
  /// What the subtask does after a barrier or an end-of-stream.
  struct decision {
    /// Block the channel the barrier came from (aligned only).
    bool block = false;
    /// An alignment that was abandoned for a newer checkpoint: unblock all
    /// channels and decline it.
    std::optional<uint64_t> abandoned;
    /// Every open input delivered barrier n: snapshot, forward barrier n,
    /// unblock every channel.
    std::optional<uint64_t> complete;
  };

  barrier_aligner(size_t channels, barrier_handling mode)
    : seen_(channels, false), finished_(channels, false), mode_(mode) {
  }

  decision on_barrier(uint32_t channel, uint64_t checkpoint_id) {
    decision d;
    if (checkpoint_id <= last_completed_ || (current_ && checkpoint_id < *current_))
      return d; // late or duplicate
    if (current_ && checkpoint_id > *current_) {
      d.abandoned = current_;
      reset();
    }
    if (!current_) {
      current_ = checkpoint_id;
      ++started_;
    }
    if (!seen_[channel]) {
      seen_[channel] = true;
      ++num_seen_;
    }
    if (all_delivered()) {
      d.complete = finish();
    } else {
      d.block = mode_ == barrier_handling::aligned;
    }
    return d;
  }

  /// `channel` ended; it may complete the running alignment.
  decision on_end_of_stream(uint32_t channel) {
    decision d;
    if (!finished_[channel]) {
      finished_[channel] = true;
      ++num_finished_;
    }
    if (current_ && all_delivered())
      d.complete = finish();
    return d;
  }

  /// The running alignment of `checkpoint_id` was switched to an unaligned
  /// checkpoint (aligned-timeout): it counts as completed, later barriers
  /// of it are ignored here. No-op for another id.
  void take_over(uint64_t checkpoint_id) {
    if (current_ && *current_ == checkpoint_id)
      finish();
  }

  /// The checkpoint being aligned, if any.
  std::optional<uint64_t> current() const noexcept {
    return current_;
  }

  /// Whether `channel` delivered the current barrier (and, aligned, is
  /// blocked).
  bool delivered(uint32_t channel) const noexcept {
    return seen_[channel];
  }

  uint64_t last_completed() const noexcept {
    return last_completed_;
  }

  /// Alignments started so far (diagnostics).
  uint64_t started() const noexcept {
    return started_;
  }

private:
  bool all_delivered() const noexcept {
    size_t open_seen = 0;
    for (size_t c = 0; c < seen_.size(); ++c)
      if (seen_[c] && !finished_[c])
        ++open_seen;
    return open_seen + num_finished_ == seen_.size();
  }

  uint64_t finish() {
    auto id = *current_;
    last_completed_ = id;
    reset();
    return id;
  }

  void reset() {
    current_.reset();
    std::fill(seen_.begin(), seen_.end(), false);
    num_seen_ = 0;
  }

  std::vector<bool> seen_;
  std::vector<bool> finished_;
  size_t num_seen_ = 0;
  size_t num_finished_ = 0;
  barrier_handling mode_;
  std::optional<uint64_t> current_;
  uint64_t last_completed_ = 0;
  uint64_t started_ = 0;
};

} // namespace sluice
