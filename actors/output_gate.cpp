#include "actors/output_gate.hpp"

#include <caf/all.hpp>

namespace sluice {

output_gate::output_gate(uint64_t attempt, output_gate_spec spec)
  : attempt_(attempt), spec_(std::move(spec)), sent_(spec_.receivers.size(), 0) {
}

// Sending from the subtask's handler thread keeps CAF's FIFO order per
// sender and receiver, so control messages stay behind the data before them.
void output_gate::send(size_t channel, batch_ptr b) {
  caf::anon_send(spec_.receivers[channel],
                 data_msg{attempt_, spec_.channels[channel], sent_[channel]++,
                          std::move(b)});
}

void output_gate::broadcast_watermark(timestamp wm) {
  for (size_t i = 0; i < spec_.receivers.size(); ++i)
    caf::anon_send(spec_.receivers[i],
                   watermark_msg{attempt_, spec_.channels[i], sent_[i], wm});
}

void output_gate::broadcast_barrier(uint64_t checkpoint_id, timestamp ts) {
  for (size_t i = 0; i < spec_.receivers.size(); ++i)
    caf::anon_send(spec_.receivers[i], barrier_msg{attempt_, spec_.channels[i],
                                                   sent_[i], checkpoint_id, ts});
}

void output_gate::broadcast_end_of_stream() {
  for (size_t i = 0; i < spec_.receivers.size(); ++i)
    caf::anon_send(spec_.receivers[i],
                   eos_msg{attempt_, spec_.channels[i], sent_[i]});
}

} // namespace sluice
