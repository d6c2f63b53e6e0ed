// The actor side of one output of a subtask: turns what a router hands over
// into `data_msg`s with per-channel sequence numbers, and control messages
// (watermark, barrier, end-of-stream) on every channel, all through the
// gate's credit window (actors/subtask/credit_window.hpp): a batch without credit
// waits in the channel's output queue, and control messages stay behind it.
// Owned by the subtask actor; used only from its handlers.
#pragma once

#include <cstdint>
#include <vector>

#include "actors/contract/actors.hpp"
#include "actors/subtask/credit_window.hpp"
#include "actors/contract/output_router.hpp"

namespace sluice {

class output_gate final : public channel_sink {
public:
  /// `credits`: initial credit per channel; `credit_based == false` sends
  /// everything at once (test switch).
  output_gate(uint64_t attempt, output_gate_spec spec, uint32_t credits,
              bool credit_based = true);

  /// Sends `b` on channel `channel` as the channel's next data message (or
  /// queues it until the receiver grants credit).
  void send(size_t channel, batch_ptr b) override;

  void broadcast_watermark(timestamp wm);
  /// The stream on every channel went idle (true) or active again.
  void broadcast_watermark_status(bool idle);
  void broadcast_barrier(uint64_t checkpoint_id, timestamp ts, bool savepoint = false);
  void broadcast_end_of_stream();

  /// Unaligned checkpoints: barrier `checkpoint_id` goes out on every
  /// channel at once, overtaking queued data. Calls
  /// f(size_t channel, uint64_t seq, const batch_ptr&) for every overtaken
  /// batch (`seq`: the sequence number it will be sent with).
  template <class F>
  void broadcast_barrier_overtaking(uint64_t checkpoint_id, timestamp ts, F&& f) {
    for (size_t ch = 0; ch < spec_.receivers.size(); ++ch) {
      auto base = sent_[ch];
      auto overtaken = window_.push_overtaking(
        ch, channel_item::barrier(checkpoint_id, ts), transport_);
      for (size_t k = 0; k < overtaken.size(); ++k)
        f(ch, base + k, overtaken[k]);
    }
  }

  /// The receiver of `channel` consumed `n` batches.
  void grant(size_t channel, uint32_t n);

  /// Whether some channel holds items waiting for credit.
  bool blocked() const noexcept {
    return window_.blocked();
  }

  const credit_window& window() const noexcept {
    return window_;
  }

  size_t num_channels() const noexcept {
    return spec_.receivers.size();
  }

private:
  struct transport {
    output_gate* gate;
    void operator()(size_t channel, channel_item x);
  };

  void broadcast(const channel_item& x);

  uint64_t attempt_;
  output_gate_spec spec_;
  /// Data messages sent so far per channel.
  std::vector<uint64_t> sent_;
  credit_window window_;
  transport transport_{this};
};

} // namespace sluice
