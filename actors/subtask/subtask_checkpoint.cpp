#include "actors/subtask/subtask_support.hpp"

#include <algorithm>
#include <chrono>

#include <caf/all.hpp>

#include "actors/subtask/async_snapshot.hpp"
#include "actors/contract/job_graph.hpp"
#include "actors/subtask/output_gate.hpp"
#include "actors/subtask/unaligned_recorder.hpp"

namespace sluice {

batch_codec input_codec(subtask_self self) {
  auto& plan = *self->state.dep->plan;
  auto in = plan.incoming(self->state.dep->vertex);
  return in.empty() ? batch_codec{} : plan.edges[in.front()].codec;
}

batch_codec output_codec(subtask_self self, size_t gate) {
  auto& plan = *self->state.dep->plan;
  return plan.edges[plan.outgoing(self->state.dep->vertex)[gate]].codec;
}

void replay_channel_state(subtask_self self, const std::vector<channel_batch>& batches) {
  auto& st = self->state;
  auto what = [&](const channel_batch& b) {
    return "in-flight batch " + std::to_string(b.seq) + " of "
           + (b.direction == channel_direction::input ? "input" : "output") + " channel "
           + std::to_string(b.channel) + " restored from checkpoint "
           + std::to_string(st.dep->restore ? st.dep->restore->checkpoint_id() : 0);
  };
  // Outputs first: the operator emitted them before the barrier, the
  // receivers have not seen them; then what the inputs had delivered.
  for (auto& b : batches) {
    if (b.direction != channel_direction::output)
      continue;
    size_t gate = b.channel >> 16;
    size_t ch = b.channel & 0xffff;
    if (gate >= st.outputs.size() || ch >= st.outputs[gate]->num_channels())
      throw exception(ec::corrupt_file, what(b) + ": no such output channel");
    st.outputs[gate]->send(ch, output_codec(self, gate).decode(b.bytes, what(b)));
  }
  auto codec = input_codec(self);
  for (auto& b : batches) {
    if (b.direction != channel_direction::input)
      continue;
    if (!codec)
      throw exception(ec::corrupt_file, what(b) + ": the task has no input");
    auto records = codec.decode(b.bytes, what(b));
    st.records_in += records->size();
    st.chain->process(records);
  }
}

namespace {

using clock = std::chrono::steady_clock;

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
                                  checkpoint_failure_reason::checkpoint_declined,
                                  std::move(reason)});
}

/// The synchronous part: flush partial batches (they belong in front of the
/// barrier), snapshot every operator, copy keyed state. Null when an
/// operator failed (the subtask is ending).
std::shared_ptr<snapshot_task> sync_part(subtask_self self, uint64_t id, timestamp ts,
                                         int64_t alignment_ns, int64_t start_delay_ns) {
  auto& st = self->state;
  auto started = clock::now();
  ++st.snapshots_taken;
  st.last_snapshot_id = id;
  auto task = std::make_shared<snapshot_task>();
  if (!guarded(self, [&] {
        if (!st.finishing)
          st.chain->flush();
        task->operators = st.chain->snapshot_state(id, ts);
      }))
    return nullptr;
  task->storage = st.dep->storage;
  task->coordinator = coordinator_of(self);
  task->subtask_index = st.dep->subtask_index;
  auto& ack = task->ack;
  ack.attempt = st.dep->attempt;
  ack.checkpoint_id = id;
  ack.vertex = st.dep->vertex;
  ack.subtask_index = st.dep->subtask_index;
  ack.sync_ns = (clock::now() - started).count();
  ack.alignment_ns = alignment_ns;
  ack.start_delay_ns = start_delay_ns;
  ack.finished = st.finishing;
  return task;
}

/// Hands the task to its asynchronous part; acks at once when there is
/// nothing to write (a stateless task) or no storage (protocol tests with a
/// fake coordinator). False when the subtask was killed meanwhile (an
/// aimed fault at fault_point::async_snapshot).
bool dispatch(subtask_self self, std::shared_ptr<snapshot_task> task) {
  if (!task->coordinator)
    return true;
  bool nothing_to_write = task->channel_state.empty()
                          && std::all_of(task->operators.begin(), task->operators.end(),
                                         [](auto& op) { return op.empty(); });
  if (task->storage && !nothing_to_write) {
    run_async_snapshot(self->system(), self->state.dep->snapshot_writers, std::move(task));
    return !killed_at(self, fault_point::async_snapshot);
  }
  caf::anon_send(task->coordinator, task->ack);
  return true;
}

/// Aligned and at-least-once snapshots, and sources: snapshot, then barrier
/// `id` on every output at once (not after end of input: end-of-stream is
/// out already), then the asynchronous part.
bool take_snapshot(subtask_self self, uint64_t id, timestamp ts, int64_t alignment_ns,
                   int64_t start_delay_ns, bool savepoint = false) {
  auto task = sync_part(self, id, ts, alignment_ns, start_delay_ns);
  if (!task)
    return false;
  if (!self->state.finishing)
    for (auto& out : self->state.outputs)
      out->broadcast_barrier(id, ts, savepoint);
  return dispatch(self, std::move(task));
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
  st.last_alignment = clock::now() - st.alignment_start;
  if (!take_snapshot(self, id, st.aligning_timestamp, st.last_alignment.count(),
                     st.start_delay.count(), st.aligning_savepoint))
    return false;
  unblock_all(self);
  return true;
}

// --- unaligned checkpoints ------------------------------------------------------

void finish_unaligned_if_recorded(subtask_self self) {
  if (auto task = self->state.recorder->take_if_complete(clock::now()))
    dispatch(self, std::move(task));
}

/// Takes unaligned checkpoint `id` now: state, the overtaken output, the
/// queued input in front of barrier `id` (channels in `skip` delivered it
/// already, their queues hold only later items), then records what
/// arrives on the other channels until their barrier. The alignment
/// duration runs from `since`.
bool start_unaligned(subtask_self self, uint64_t id, timestamp ts, const std::vector<bool>& skip,
                     int64_t start_delay_ns, clock::time_point since = clock::now()) {
  auto& st = self->state;
  if (auto abandoned = st.recorder->abandon())
    decline(self, *abandoned,
            "unaligned checkpoint " + std::to_string(*abandoned)
              + " abandoned for checkpoint " + std::to_string(id));
  auto task = sync_part(self, id, ts, 0, start_delay_ns);
  if (!task)
    return false;
  task->ack.unaligned = true;
  if (!st.finishing) {
    for (size_t k = 0; k < st.outputs.size(); ++k) {
      auto codec = output_codec(self, k);
      st.outputs[k]->broadcast_barrier_overtaking(
        id, ts, [&](size_t ch, uint64_t seq, const batch_ptr& b) {
          task->channel_state.push_back(in_flight_batch{
            channel_direction::output, static_cast<uint32_t>((k << 16) | ch), seq, b, codec});
        });
    }
  }
  auto n = st.inputs ? st.inputs->num_channels() : 0;
  std::vector<bool> recording(n, false);
  auto codec = input_codec(self);
  for (uint32_t c = 0; c < n; ++c) {
    if (c < skip.size() && skip[c])
      continue;
    bool barrier_queued = false;
    uint64_t seq = st.next_seq[c] - st.inputs->data(c);
    st.inputs->for_each_queued(c, [&](const channel_item& x) {
      if (x.what == channel_item::kind::barrier && x.checkpoint_id >= id) {
        barrier_queued = true;
        return false;
      }
      if (x.is_data())
        task->channel_state.push_back(
          in_flight_batch{channel_direction::input, c, seq++, x.records, codec});
      return true;
    });
    recording[c] = !barrier_queued && !st.closed_inputs[c];
  }
  bool serializable = std::all_of(task->channel_state.begin(), task->channel_state.end(),
                                  [](auto& b) { return static_cast<bool>(b.codec); })
                      && (codec || std::find(recording.begin(), recording.end(), true)
                                     == recording.end());
  if (!serializable) {
    // Records without a codec cannot be persisted: decline rather than lie.
    decline(self, id, "unaligned checkpoint " + std::to_string(id)
                        + ": in-flight records of task '"
                        + st.dep->plan->vertices[st.dep->vertex].name
                        + "' have no serializer (inspect overload)");
    return true;
  }
  st.recorder->start(id, std::move(task), std::move(recording), codec, since);
  finish_unaligned_if_recorded(self);
  return true;
}

int64_t start_delay_of(timestamp ts) {
  return std::chrono::nanoseconds{std::chrono::milliseconds{
                                    std::max<int64_t>(0, wall_clock_ms() - ts)}}
    .count();
}

bool pure_unaligned(subtask_self self) {
  auto& dep = *self->state.dep;
  return dep.unaligned && dep.aligned_timeout.count() == 0
         && dep.barriers == barrier_handling::aligned;
}

} // namespace

bool on_barrier_arrival(subtask_self self, uint32_t ch, uint64_t id, timestamp ts,
                        bool savepoint) {
  auto& st = self->state;
  if (savepoint)
    return false; // savepoints are aligned: queued like any aligned barrier
  if (st.recorder->current() == id) {
    st.recorder->stop(ch);
    finish_unaligned_if_recorded(self);
    return true;
  }
  if (!pure_unaligned(self))
    return false;
  if (id <= st.last_snapshot_id)
    return true; // a later barrier of a checkpoint taken already
  // Everything queued, on `ch` too, is in front of the barrier.
  std::vector<bool> skip(st.inputs->num_channels(), false);
  if (!start_unaligned(self, id, ts, skip, start_delay_of(ts)))
    return true;
  if (st.recorder->current() == id) {
    st.recorder->stop(ch);
    finish_unaligned_if_recorded(self);
    if (st.recorder->current()) // other channels still record until their barrier
      killed_at(self, fault_point::alignment);
  }
  return true;
}

void on_data_arrival(subtask_self self, uint32_t ch, uint64_t seq, const batch_ptr& b) {
  self->state.recorder->on_data(ch, seq, b);
}

void on_eos_arrival(subtask_self self, uint32_t ch) {
  auto& st = self->state;
  if (st.recorder->records(ch)) {
    st.recorder->stop(ch);
    finish_unaligned_if_recorded(self);
  }
}

void on_aligned_timeout(subtask_self self, uint64_t id) {
  auto& st = self->state;
  if (st.aligner->current() != id || st.aligning_savepoint)
    return;
  auto n = st.inputs->num_channels();
  std::vector<bool> delivered(n, false);
  for (uint32_t c = 0; c < n; ++c)
    delivered[c] = st.aligner->delivered(c);
  st.aligner->take_over(id);
  // The alignment counts from the first barrier.
  if (!start_unaligned(self, id, st.aligning_timestamp, delivered, st.start_delay.count(),
                       st.alignment_start))
    return;
  unblock_all(self);
  self->send(self, pump_atom::value);
}

bool on_barrier(subtask_self self, uint32_t ch, uint64_t id, timestamp ts, bool savepoint) {
  auto& st = self->state;
  if (id <= st.last_snapshot_id && !st.aligner->current())
    return true; // taken unaligned after an aligned-timeout
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
    st.aligning_savepoint = savepoint;
    st.alignment_start = clock::now();
    st.start_delay = std::chrono::nanoseconds{start_delay_of(ts)};
    if (st.dep->unaligned && st.dep->aligned_timeout.count() > 0 && !savepoint)
      self->delayed_send(self, st.dep->aligned_timeout, align_timeout_atom::value, id);
  };
  if (starts && st.aligner->current() == id)
    begin_alignment();
  if (d.block) {
    st.inputs->block(ch);
    ++st.blocked_channels;
    if (starts && killed_at(self, fault_point::alignment))
      return false;
  }
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
  if (m.checkpoint_id <= st.last_snapshot_id)
    return; // re-sent to a subtask whose input ended, taken already
  if (!st.chain->is_source() && !st.finishing) {
    decline(self, m.checkpoint_id, "trigger sent to a subtask that is not a source");
    return;
  }
  auto delay = start_delay_of(m.checkpoint_timestamp);
  auto kind = m.kind;
  if (!is_savepoint(kind) && pure_unaligned(self) && !st.finishing) {
    start_unaligned(self, m.checkpoint_id, m.checkpoint_timestamp, {}, delay);
    return;
  }
  // stop --drain: event time ends before the savepoint's barrier, so every
  // timer and window fires into the savepoint's side effects.
  if (kind == snapshot_kind::stop_drain && !st.finishing
      && !guarded(self, [&] {
           st.chain->emit_max_watermark();
           st.chain->flush();
         }))
    return;
  if (!take_snapshot(self, m.checkpoint_id, m.checkpoint_timestamp, 0, delay,
                     is_savepoint(kind)))
    return;
  if (stops_job(kind) && !st.finishing)
    st.stopped_for = m.checkpoint_id;
}

void on_checkpoint_done(subtask_self self, const checkpoint_done_msg& m) {
  auto& st = self->state;
  if (!st.dep || m.attempt != st.dep->attempt) {
    ++st.dropped;
    return;
  }
  if (m.completed && st.outputs.empty() && killed_at(self, fault_point::pre_commit))
    return;
  if (!guarded(self, [&] {
        if (m.completed)
          st.chain->notify_checkpoint_complete(m.checkpoint_id);
        else
          st.chain->notify_checkpoint_aborted(m.checkpoint_id);
      }))
    return;
  if (m.completed && m.final && st.awaiting_final) {
    quit_finished(self);
  } else if (m.completed && m.stop) {
    quit_finished(self); // stop-with-savepoint: committed, the job ends
  } else if (!m.completed && st.stopped_for == m.checkpoint_id) {
    st.stopped_for.reset(); // the stop's savepoint failed: produce again
    self->send(self, run_atom::value);
  }
}

} // namespace sluice
