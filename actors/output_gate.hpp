// The actor side of one output of a subtask: turns batches handed over by a
// router into `data_msg`s with per-channel sequence numbers, and sends
// control messages (watermark, barrier, end-of-stream) on every channel.
// Owned by the subtask actor; used only from its handlers.
#pragma once

#include <cstdint>
#include <vector>

#include "actors/actors.hpp"
#include "actors/output_router.hpp"

namespace sluice {

class output_gate final : public channel_sink {
public:
  output_gate(uint64_t attempt, output_gate_spec spec);

  /// Sends `b` on channel `channel` as the channel's next data message.
  void send(size_t channel, batch_ptr b) override;

  void broadcast_watermark(timestamp wm);
  void broadcast_barrier(uint64_t checkpoint_id, timestamp ts);
  void broadcast_end_of_stream();

  size_t num_channels() const noexcept {
    return spec_.receivers.size();
  }

private:
  uint64_t attempt_;
  output_gate_spec spec_;
  /// Data messages sent so far per channel.
  std::vector<uint64_t> sent_;
};

} // namespace sluice
