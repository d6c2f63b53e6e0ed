// The sender's side of credit-based flow control for one output gate
// (Flink's credit-based network stack, one "buffer" = one batch).
//
// Every channel starts with `initial_credits` credits (the receiver's
// `pipeline.buffers-per-channel`); sending a data batch costs one credit and
// the receiver grants one back after it consumed the batch. A data batch
// without credit waits in the channel's output queue; control items need no
// credit but never overtake the data queued before them on their channel.
// While any channel holds queued items the gate is `blocked()`: the subtask
// stops reading its inputs (a source stops producing), so what one subtask
// holds is bounded by the output of one input batch.
//
// With `enabled == false` (test switch) every item goes out at once and the
// receiver's queues absorb the overload: what the credits prevent.
//
// Plain class, no CAF: `send(channel, item)` is the caller's transport.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "actors/contract/channel_item.hpp"

namespace sluice {

class credit_window {
public:
  credit_window(size_t channels, uint32_t initial_credits, bool enabled = true)
    : channels_(channels), enabled_(enabled) {
    for (auto& c : channels_)
      c.credits = initial_credits;
  }

  /// Sends `x` on `ch` now if nothing is queued there and, for data, a credit
  /// is left; queues it otherwise.
  template <class Send>
  void push(size_t ch, channel_item x, Send& send) {
    auto& c = channels_[ch];
    if (!enabled_) {
      send(ch, std::move(x));
      return;
    }
    if (c.queue.empty() && (!x.is_data() || c.credits > 0)) {
      if (x.is_data())
        --c.credits;
      send(ch, std::move(x));
      return;
    }
    c.queue.push_back(std::move(x));
    ++queued_;
    peak_ = std::max(peak_, c.queue.size());
  }

  /// The receiver of `ch` consumed `n` batches: sends what now may go.
  template <class Send>
  void grant(size_t ch, uint32_t n, Send& send) {
    auto& c = channels_[ch];
    c.credits += n;
    while (!c.queue.empty() && (!c.queue.front().is_data() || c.credits > 0)) {
      auto x = std::move(c.queue.front());
      c.queue.pop_front();
      --queued_;
      if (x.is_data())
        --c.credits;
      send(ch, std::move(x));
    }
  }

  /// Unaligned checkpoints: sends `x` (a barrier) on `ch` at once, ahead of
  /// everything queued there, and returns the queued data batches it
  /// overtook, in order (they stay queued and go out as credit arrives).
  template <class Send>
  std::vector<batch_ptr> push_overtaking(size_t ch, channel_item x, Send& send) {
    std::vector<batch_ptr> overtaken;
    for (auto& item : channels_[ch].queue)
      if (item.is_data())
        overtaken.push_back(item.records);
    send(ch, std::move(x));
    return overtaken;
  }

  /// Whether some channel holds items that wait for credit.
  bool blocked() const noexcept {
    return queued_ > 0;
  }

  size_t num_channels() const noexcept {
    return channels_.size();
  }

  uint32_t credits(size_t ch) const noexcept {
    return channels_[ch].credits;
  }

  size_t queued(size_t ch) const noexcept {
    return channels_[ch].queue.size();
  }

  /// Most items one channel held at once.
  size_t peak_queued() const noexcept {
    return peak_;
  }

private:
  struct channel {
    uint32_t credits = 0;
    std::deque<channel_item> queue;
  };

  std::vector<channel> channels_;
  bool enabled_;
  size_t queued_ = 0;
  size_t peak_ = 0;
};

} // namespace sluice
