#include "actors/subtask/output_gate.hpp"

#include <caf/all.hpp>

namespace sluice {

output_gate::output_gate(uint64_t attempt, output_gate_spec spec, uint32_t credits,
                         bool credit_based)
  : attempt_(attempt),
    spec_(std::move(spec)),
    sent_(spec_.receivers.size(), 0),
    window_(spec_.receivers.size(), credits, credit_based) {
}

// Sending from the subtask's handler thread keeps CAF's FIFO order per
// sender and receiver, so control messages stay behind the data before
// them. Sequence numbers are assigned when a message really leaves.
void output_gate::transport::operator()(size_t ch, channel_item x) {
  auto& g = *gate;
  auto& to = g.spec_.receivers[ch];
  auto channel = g.spec_.channels[ch];
  switch (x.what) {
    case channel_item::kind::data:
      caf::anon_send(to, data_msg{g.attempt_, channel, g.sent_[ch]++, std::move(x.records)});
      break;
    case channel_item::kind::watermark:
      caf::anon_send(to, watermark_msg{g.attempt_, channel, g.sent_[ch], x.time});
      break;
    case channel_item::kind::barrier:
      caf::anon_send(to, barrier_msg{g.attempt_, channel, g.sent_[ch], x.checkpoint_id,
                                     x.time, x.savepoint});
      break;
    case channel_item::kind::end_of_stream:
      caf::anon_send(to, eos_msg{g.attempt_, channel, g.sent_[ch]});
      break;
    case channel_item::kind::watermark_status:
      caf::anon_send(to, watermark_msg{g.attempt_, channel, g.sent_[ch], 0,
                                       static_cast<uint8_t>(x.time != 0 ? 1 : 2)});
      break;
  }
}

void output_gate::send(size_t channel, batch_ptr b) {
  window_.push(channel, channel_item::data(std::move(b)), transport_);
}

void output_gate::broadcast(const channel_item& x) {
  for (size_t ch = 0; ch < spec_.receivers.size(); ++ch)
    window_.push(ch, x, transport_);
}

void output_gate::broadcast_watermark(timestamp wm) {
  broadcast(channel_item::watermark(wm));
}

void output_gate::broadcast_watermark_status(bool idle) {
  broadcast(channel_item::watermark_status(idle));
}

void output_gate::broadcast_barrier(uint64_t checkpoint_id, timestamp ts, bool savepoint) {
  broadcast(channel_item::barrier(checkpoint_id, ts, savepoint));
}

void output_gate::broadcast_end_of_stream() {
  broadcast(channel_item::end_of_stream());
}

void output_gate::grant(size_t channel, uint32_t n) {
  window_.grant(channel, n, transport_);
}

} // namespace sluice
