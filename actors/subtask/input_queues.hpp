// The receiver's side of flow control: per-channel FIFO queues of what
// arrived and was not handled yet (DESIGN.md "Messages between actors").
//
// The subtask moves every arriving message from its mailbox into these
// queues at once, so it keeps handling credits, triggers and cancels while
// backpressured, and handles queued items when its outputs have room. Items
// of one channel come out in arrival order; channels take turns (round
// robin), and a blocked channel (aligned checkpoints) is skipped. With
// credits on, a channel never holds more data items than the sender's
// credit window; `peak_data()` makes that countable.
//
// Plain class, no CAF.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "actors/contract/channel_item.hpp"

namespace sluice {

class input_queues {
public:
  explicit input_queues(size_t channels) : channels_(channels) {
  }

  void push(uint32_t ch, channel_item x) {
    auto& c = channels_[ch];
    if (x.is_data()) {
      ++c.data;
      peak_data_ = std::max(peak_data_, c.data);
    }
    c.queue.push_back(std::move(x));
    ++size_;
  }

  /// The next item to handle and its channel; nullopt when every unblocked
  /// channel is empty.
  std::optional<std::pair<uint32_t, channel_item>> pop() {
    for (size_t i = 0; i < channels_.size(); ++i) {
      auto ch = static_cast<uint32_t>((next_ + i) % channels_.size());
      auto& c = channels_[ch];
      if (c.blocked || c.queue.empty())
        continue;
      auto x = std::move(c.queue.front());
      c.queue.pop_front();
      --size_;
      if (x.is_data())
        --c.data;
      next_ = (ch + 1) % channels_.size();
      return std::pair{ch, std::move(x)};
    }
    return std::nullopt;
  }

  /// Calls f(const channel_item&) for every item queued on `ch`, in order,
  /// until f returns false.
  template <class F>
  void for_each_queued(uint32_t ch, F&& f) const {
    for (auto& x : channels_[ch].queue)
      if (!f(x))
        return;
  }

  /// A blocked channel is not read until unblocked (its items stay queued).
  void block(uint32_t ch) {
    channels_[ch].blocked = true;
  }

  void unblock(uint32_t ch) {
    channels_[ch].blocked = false;
  }

  bool is_blocked(uint32_t ch) const noexcept {
    return channels_[ch].blocked;
  }

  /// Whether `pop` would return an item.
  bool ready() const noexcept {
    for (auto& c : channels_)
      if (!c.blocked && !c.queue.empty())
        return true;
    return false;
  }

  /// Items queued on every channel, blocked ones included.
  size_t size() const noexcept {
    return size_;
  }

  /// Data items queued on `ch` now.
  size_t data(uint32_t ch) const noexcept {
    return channels_[ch].data;
  }

  /// Most data items one channel held at once.
  size_t peak_data() const noexcept {
    return peak_data_;
  }

  size_t num_channels() const noexcept {
    return channels_.size();
  }

private:
  struct channel {
    std::deque<channel_item> queue;
    size_t data = 0;
    bool blocked = false;
  };

  std::vector<channel> channels_;
  size_t next_ = 0;
  size_t size_ = 0;
  size_t peak_data_ = 0;
};

} // namespace sluice
