#include "actors/subtask_support.hpp"

#include <algorithm>
#include <chrono>

#include <caf/all.hpp>

#include "actors/output_gate.hpp"

namespace sluice {

namespace {

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

caf::actor coordinator_of(subtask_self self) {
  return caf::actor_cast<caf::actor>(self->state.dep->coordinator);
}

void decline(subtask_self self, uint64_t id, std::string reason) {
  auto& st = self->state;
  if (auto c = coordinator_of(self))
    caf::anon_send(c, decline_msg{st.dep->attempt, id, st.dep->vertex, st.dep->subtask_index,
                                  std::move(reason)});
}

/// The synchronous part of checkpoint `id`: flush partial batches (they
/// belong in front of the barrier), snapshot every operator, put barrier
/// `id` on every output at once, ack. False when an operator failed.
bool take_snapshot(subtask_self self, uint64_t id, timestamp ts, int64_t alignment_ns,
                   int64_t start_delay_ns) {
  auto& st = self->state;
  auto started = std::chrono::steady_clock::now();
  ++st.snapshots_taken;
  if (!guarded(self, [&] {
        st.chain->flush();
        st.chain->snapshot_state(snapshot_context{id, ts});
      }))
    return false;
  for (auto& out : st.outputs)
    out->broadcast_barrier(id, ts);
  if (auto c = coordinator_of(self)) {
    ack_msg ack;
    ack.attempt = st.dep->attempt;
    ack.checkpoint_id = id;
    ack.vertex = st.dep->vertex;
    ack.subtask_index = st.dep->subtask_index;
    ack.sync_ns = (std::chrono::steady_clock::now() - started).count();
    ack.alignment_ns = alignment_ns;
    ack.start_delay_ns = start_delay_ns;
    caf::anon_send(c, ack);
  }
  return true;
}

void unblock_all(subtask_self self) {
  auto& in = *self->state.inputs;
  for (uint32_t c = 0; c < in.num_channels(); ++c)
    in.unblock(c);
}

/// Every open input delivered barrier `id`: take the snapshot, forward the
/// barrier on every output at once, read all inputs again.
bool complete_alignment(subtask_self self, uint64_t id) {
  auto& st = self->state;
  st.last_alignment = std::chrono::steady_clock::now() - st.alignment_start;
  if (!take_snapshot(self, id, st.aligning_timestamp, st.last_alignment.count(),
                     st.start_delay.count()))
    return false;
  unblock_all(self);
  return true;
}

} // namespace

bool on_barrier(subtask_self self, uint32_t ch, uint64_t id, timestamp ts) {
  auto& st = self->state;
  bool starts = st.aligner->current() != id;
  auto d = st.aligner->on_barrier(ch, id);
  if (d.abandoned) {
    unblock_all(self);
    decline(self, *d.abandoned,
            "alignment of checkpoint " + std::to_string(*d.abandoned)
              + " abandoned for checkpoint " + std::to_string(id));
  }
  auto begin_alignment = [&] {
    st.aligning_timestamp = ts;
    st.alignment_start = std::chrono::steady_clock::now();
    st.start_delay = std::chrono::milliseconds{std::max<int64_t>(0, wall_clock_ms() - ts)};
  };
  if (starts && st.aligner->current() == id)
    begin_alignment();
  if (d.block)
    st.inputs->block(ch);
  if (d.complete) {
    if (starts) // one input left: no alignment at all
      begin_alignment();
    return complete_alignment(self, *d.complete);
  }
  return true;
}


bool on_input_finished_for_barriers(subtask_self self, uint32_t ch) {
  if (auto done = self->state.aligner->on_end_of_stream(ch).complete)
    return complete_alignment(self, *done);
  return true;
}

void on_trigger(subtask_self self, const trigger_msg& m) {
  auto& st = self->state;
  if (!st.dep || m.attempt != st.dep->attempt) {
    ++st.dropped;
    return;
  }
  if (!st.chain->is_source()) {
    decline(self, m.checkpoint_id, "trigger sent to a subtask that is not a source");
    return;
  }
  if (st.finishing) {
    decline(self, m.checkpoint_id, "source already finished");
    return;
  }
  auto delay = std::chrono::milliseconds{
    std::max<int64_t>(0, wall_clock_ms() - m.checkpoint_timestamp)};
  take_snapshot(self, m.checkpoint_id, m.checkpoint_timestamp, 0,
                std::chrono::nanoseconds{delay}.count());
}

void on_checkpoint_done(subtask_self self, const checkpoint_done_msg& m) {
  auto& st = self->state;
  if (!st.dep || m.attempt != st.dep->attempt) {
    ++st.dropped;
    return;
  }
  guarded(self, [&] {
    if (m.completed)
      st.chain->notify_checkpoint_complete(m.checkpoint_id);
    else
      st.chain->notify_checkpoint_aborted(m.checkpoint_id);
  });
}

} // namespace sluice
