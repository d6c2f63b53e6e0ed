#include "actors/subtask/subtask.hpp"

#include <cctype>

#include <caf/all.hpp>

#include "actors/contract/error.hpp"
#include "actors/contract/job_graph.hpp"
#include "actors/subtask/output_gate.hpp"
#include "actors/subtask/subtask_support.hpp"
#include "actors/subtask/unaligned_recorder.hpp"
#include "snapshot/key_groups.hpp"
#include "snapshot/keyed_state_backend.hpp"
#include "snapshot/file_names.hpp"

namespace sluice {

subtask_state::subtask_state() : recorder(std::make_unique<unaligned_recorder>()) {
}
subtask_state::~subtask_state() = default;

namespace {

/// The operator whose hook runs or threw last, for error messages.
std::string describe(subtask_self self) {
  auto& st = self->state;
  if (!st.chain)
    return "subtask";
  auto& info = st.chain->failing_operator();
  return "operator '" + info.display_name() + "' (uid " + info.operator_uid
         + ") in task '" + info.task_name + "'";
}

} // namespace

void fail(subtask_self self, ec code, const std::string& what) {
  self->quit(make_error(code, describe(self) + " failed: " + what));
}

void fail_task(subtask_self self, const std::string& what) {
  auto& st = self->state;
  std::string who = "subtask";
  if (st.dep) {
    auto& v = st.dep->plan->vertices[st.dep->vertex];
    who = "task '" + v.name + "' (" + std::to_string(st.dep->subtask_index + 1) + "/"
          + std::to_string(v.parallelism) + ")";
  }
  self->quit(make_error(ec::subtask_failed, who + " failed: " + what));
}

namespace {

using self_ptr = subtask_self;


/// Checks the envelope of an input message. `data`: whether it is a data
/// message (consumes a sequence number). `eos`: whether it closes the channel.
bool accept(self_ptr self, uint64_t attempt, uint32_t channel, uint64_t seq,
            bool data, bool eos = false) {
  auto& st = self->state;
  if (!st.dep) {
    fail_task(self, "input before deployment");
    return false;
  }
  if (attempt != st.dep->attempt) {
    ++st.dropped;
    return false;
  }
  if (channel >= st.next_seq.size() || st.closed_inputs[channel]) {
    fail_task(self,
         "message on unknown or finished input channel " + std::to_string(channel));
    return false;
  }
  auto& expected = st.next_seq[channel];
  if (seq != expected) {
    fail_task(self,
         "input channel " + std::to_string(channel) + " expected sequence number "
           + std::to_string(expected) + ", got " + std::to_string(seq));
    return false;
  }
  if (data)
    ++expected;
  if (eos)
    st.closed_inputs[channel] = true;
  return true;
}

bool outputs_blocked(self_ptr self) {
  for (auto& out : self->state.outputs)
    if (out->blocked())
      return true;
  return false;
}

/// Asks for a `pump` when queued input can be handled.
void schedule_pump(self_ptr self) {
  auto& st = self->state;
  if (st.pump_scheduled || !st.inputs || !st.inputs->ready() || outputs_blocked(self))
    return;
  st.pump_scheduled = true;
  self->send(self, pump_atom::value);
}

subtask_metrics metrics_of(self_ptr self) {
  auto& st = self->state;
  auto& v = st.dep->plan->vertices[st.dep->vertex];
  subtask_metrics m;
  m.task = v.name;
  m.vertex = st.dep->vertex;
  m.subtask_index = st.dep->subtask_index;
  m.batches_in = st.batches_in;
  m.records_in = st.records_in;
  m.records_out = st.chain->metrics().records_out;
  m.peak_input_queue = st.inputs ? st.inputs->peak_data() : 0;
  for (auto& out : st.outputs)
    m.peak_output_queue = std::max<uint64_t>(m.peak_output_queue, out->window().peak_queued());
  m.backpressured = st.backpressured;
  m.blocked_channels = st.blocked_channels;
  m.snapshots = st.snapshots_taken;
  return m;
}

} // namespace

void quit_finished(self_ptr self) {
  auto& st = self->state;
  if (st.dep->master)
    caf::anon_send(caf::actor_cast<caf::actor>(st.dep->master), metrics_of(self));
  self->quit();
}

namespace {

/// After end-of-stream went out: once nothing waits for credit, quit, or
/// with checkpointing tell the coordinator and wait for the final
/// checkpoint (FLIP-147).
void finish_when_drained(self_ptr self) {
  auto& st = self->state;
  if (!st.finishing || st.awaiting_final || outputs_blocked(self))
    return;
  if (auto c = caf::actor_cast<caf::actor>(st.dep->coordinator); c && st.dep->storage) {
    st.awaiting_final = true;
    caf::anon_send(c, subtask_state_msg{st.dep->attempt, st.dep->vertex,
                                        st.dep->subtask_index, true});
    return;
  }
  quit_finished(self);
}

/// End of input: final watermark, close, flush, end-of-stream, quit.
void end_of_input(self_ptr self) {
  auto& st = self->state;
  if (!guarded(self, [&] {
        st.chain->finish_input();
        st.chain->flush();
      }))
    return;
  for (auto& out : st.outputs)
    out->broadcast_end_of_stream();
  st.finishing = true;
  finish_when_drained(self);
}

/// One more batch may go upstream on input channel `ch`.
void grant_upstream(self_ptr self, uint32_t ch) {
  auto& st = self->state;
  auto& plan = *st.dep->plan;
  if (!plan.config.credit_based || st.dep->inputs.empty())
    return;
  auto& in = st.dep->inputs[ch];
  self->send(in.sender, credit_msg{st.dep->attempt, in.gate, in.channel, 1});
}

/// Handles one queued input item; false when the subtask failed or ended.
bool handle(self_ptr self, uint32_t ch, channel_item& x) {
  auto& st = self->state;
  switch (x.what) {
    case channel_item::kind::data: {
      ++st.batches_in;
      st.records_in += x.records->size();
      if (!guarded(self, [&] {
            maybe_throw_in_user_code(self);
            st.chain->process(x.records);
          }))
        return false;
      grant_upstream(self, ch);
      return true;
    }
    case channel_item::kind::watermark:
    case channel_item::kind::watermark_status: {
      bool was_idle = st.watermarks->all_idle();
      std::optional<timestamp> wm;
      if (x.what == channel_item::kind::watermark)
        wm = st.watermarks->update(ch, x.time);
      else
        wm = x.time != 0 ? st.watermarks->mark_idle(ch) : st.watermarks->mark_active(ch);
      if (wm && !guarded(self, [&] { st.chain->process_watermark(*wm); }))
        return false;
      if (st.watermarks->all_idle() != was_idle)
        broadcast_status(self, !was_idle);
      return true;
    }
    case channel_item::kind::barrier:
      return on_barrier(self, ch, x.checkpoint_id, x.time, x.savepoint);
    case channel_item::kind::end_of_stream:
      if (auto wm = st.watermarks->finish(ch))
        if (!guarded(self, [&] { st.chain->process_watermark(*wm); }))
          return false;
      if (!on_input_finished_for_barriers(self, ch))
        return false;
      if (++st.num_finished == st.closed_inputs.size()) {
        end_of_input(self);
        return false;
      }
      return true;
  }
  return true;
}

/// Items handled per `pump` message before other messages (credits,
/// triggers, unaligned barriers, cancel) get a turn: at most 32, and no
/// more once 1 ms went by (a slow operator would otherwise hold a barrier
/// back for 32 of its batches).
constexpr int pump_budget = 32;
constexpr auto pump_time_budget = std::chrono::milliseconds{1};

void pump(self_ptr self) {
  auto& st = self->state;
  st.pump_scheduled = false;
  if (st.finishing)
    return;
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < pump_budget; ++i) {
    if (i > 0 && std::chrono::steady_clock::now() - started > pump_time_budget)
      break;
    if (outputs_blocked(self)) {
      ++st.backpressured;
      break;
    }
    auto next = st.inputs->pop();
    if (!next)
      break;
    if (!handle(self, next->first, next->second))
      return;
  }
  schedule_pump(self);
  schedule_flush(self);
}

void enqueue(self_ptr self, uint32_t ch, channel_item x) {
  self->state.inputs->push(ch, std::move(x));
  schedule_pump(self);
}

/// One step of the head source, unless an output waits for credit.
void run_source(self_ptr self) {
  auto& st = self->state;
  if (st.finishing || st.stopped_for)
    return;
  if (outputs_blocked(self)) {
    st.source_paused = true;
    ++st.backpressured;
    return;
  }
  source_step step;
  if (!guarded(self, [&] {
        maybe_throw_in_user_code(self);
        step = st.chain->emit_next(st.dep->plan->config.batch_size);
      }))
    return;
  switch (step.status) {
    case source_step::more:
      if (outputs_blocked(self)) {
        st.source_paused = true;
        ++st.backpressured;
      } else {
        self->send(self, run_atom::value);
      }
      break;
    case source_step::idle:
      self->delayed_send(self, step.retry_after, run_atom::value);
      break;
    case source_step::finished:
      end_of_input(self);
      return;
  }
  schedule_flush(self);
}

void on_credit(self_ptr self, const credit_msg& m) {
  auto& st = self->state;
  if (!st.dep || m.attempt != st.dep->attempt) {
    ++st.dropped;
    return;
  }
  if (m.gate >= st.outputs.size() || m.channel >= st.outputs[m.gate]->num_channels()) {
    fail_task(self, "credit for unknown output " + std::to_string(m.gate) + "/"
                      + std::to_string(m.channel));
    return;
  }
  st.outputs[m.gate]->grant(m.channel, m.credits);
  if (outputs_blocked(self))
    return;
  if (st.finishing) {
    finish_when_drained(self);
  } else if (st.source_paused) {
    st.source_paused = false;
    self->send(self, run_atom::value);
  } else {
    schedule_pump(self);
  }
}

/// The keyed state backend of operator `uid` in this subtask attempt; lmdb
/// works in `<state.local-dir>/<job-id>/<uid>-<subtask>-<attempt>`.
keyed_backend_options backend_options(const execution_plan& plan, const std::string& uid,
                                      uint32_t subtask, uint64_t attempt) {
  keyed_backend_options opts;
  opts.kind = plan.state.backend;
  if (opts.kind == state_backend_kind::lmdb) {
    opts.lmdb_dir = plan.state.effective_local_dir()
                    / (plan.job_id.empty() ? std::string{"job"} : plan.job_id)
                    / lmdb_working_dir_name(uid, subtask, attempt);
    opts.lmdb_cache_entries = static_cast<size_t>(plan.state.lmdb_cache_entries);
    opts.incremental = plan.state.incremental;
  }
  return opts;
}

void deploy(self_ptr self, deployment_ptr dep) {
  auto& st = self->state;
  st.dep = dep;
  if (dep->master) {
    self->monitor(dep->master);
    self->set_down_handler([=](const caf::down_msg& m) {
      if (m.source == self->state.dep->master)
        self->quit(m.reason ? m.reason : caf::error{caf::exit_reason::user_shutdown});
    });
  }
  auto& plan = *dep->plan;
  auto& vertex = plan.vertices[dep->vertex];
  auto max_p = plan.config.max_parallelism;
  std::vector<operator_chain::link> links;
  for (auto id : vertex.chain) {
    auto& node = plan.nodes[id];
    operator_chain::link l;
    l.info.job_name = plan.job_name;
    l.info.operator_name = node.name;
    l.info.operator_uid = node.uid;
    l.info.task_name = vertex.name;
    l.info.subtask_index = dep->subtask_index;
    l.info.parallelism = vertex.parallelism;
    l.info.max_parallelism = max_p;
    l.info.attempt = dep->attempt;
    l.info.auto_watermark_interval_ms = plan.config.auto_watermark_interval.count();
    links.push_back(std::move(l));
  }
  // Operator factories are user code, and an lmdb environment may fail to
  // open: build the chain under the guard.
  guarded(self, [&] {
    for (size_t i = 0; i < links.size(); ++i) {
      auto& node = plan.nodes[vertex.chain[i]];
      links[i].op = node.factory();
      if (node.keyed)
        links[i].state = std::make_unique<keyed_state_backend>(
          max_p, key_group_range_for_operator(max_p, vertex.parallelism, dep->subtask_index),
          backend_options(plan, node.uid, dep->subtask_index, dep->attempt));
    }
    // A restarted attempt restores every operator before it opens.
    std::vector<initialization_context> inits(links.size());
    std::vector<channel_batch> in_flight;
    if (dep->restore) {
      for (size_t i = 0; i < links.size(); ++i) {
        auto r = restore_operator(*dep->restore, links[i].info.operator_uid, vertex.parallelism,
                                  dep->subtask_index, max_p, links[i].op->list_state_modes(),
                                  links[i].state.get());
        inits[i].restored = r.found; // a new operator (no state in the snapshot) starts fresh
        inits[i].restored_checkpoint_id = dep->restore->checkpoint_id();
        inits[i].list_items = std::move(r.list_items);
        for (auto& b : r.channel_batches)
          if ((b.direction == channel_direction::input && i == 0)
              || (b.direction == channel_direction::output && i + 1 == links.size()))
            in_flight.push_back(std::move(b));
      }
    }
    if (dep->attempt > 1 && killed_at(self, fault_point::restore))
      return;
    std::vector<std::unique_ptr<output_router>> routers;
    std::vector<channel_sink*> sinks;
    std::vector<std::string> side_outputs;
    auto out_edges = plan.outgoing(dep->vertex);
    for (size_t k = 0; k < out_edges.size(); ++k) {
      auto& e = plan.edges[out_edges[k]];
      st.outputs.push_back(std::make_unique<output_gate>(
        dep->attempt, dep->outputs[k], plan.config.buffers_per_channel,
        plan.config.credit_based));
      routers.push_back(e.make_router(e.kind, st.outputs.back()->num_channels(),
                                      plan.config.batch_size,
                                      plan.vertices[e.to].parallelism, max_p,
                                      dep->subtask_index));
      sinks.push_back(st.outputs.back().get());
      side_outputs.push_back(e.side_output);
    }
    st.chain = std::make_unique<operator_chain>(std::move(links), std::move(routers),
                                                std::move(sinks), std::move(side_outputs));
    st.chain->on_processing_time_request = [self](timestamp at) { schedule_timer(self, at); };
    st.chain->on_output_status = [self](bool idle) { broadcast_status(self, idle); };
    st.chain->on_output_watermark = [self](timestamp wm) {
      self->state.chain->flush();
      for (auto& out : self->state.outputs)
        out->broadcast_watermark(wm);
    };
    st.next_seq.assign(dep->num_inputs, 0);
    st.closed_inputs.assign(dep->num_inputs, false);
    st.inputs = std::make_unique<input_queues>(dep->num_inputs);
    st.watermarks = std::make_unique<watermark_tracker>(dep->num_inputs);
    st.aligner = std::make_unique<barrier_aligner>(dep->num_inputs, dep->barriers);
    st.chain->open(inits);
    replay_channel_state(self, in_flight);
    if (auto c = caf::actor_cast<caf::actor>(dep->coordinator))
      caf::anon_send(c, subtask_state_msg{dep->attempt, dep->vertex, dep->subtask_index, false});
    if (st.chain->is_source())
      self->send(self, run_atom::value);
    else if (dep->num_inputs == 0)
      throw exception(ec::invalid_job_graph, "a non-source task has no input");
  });
}

} // namespace

subtask_actor::behavior_type
subtask(subtask_actor::stateful_pointer<subtask_state> self) {
  return {
    [=](deploy_atom, deployment_ptr dep) { deploy(self, std::move(dep)); },
    [=](data_msg& m) {
      if (accept(self, m.attempt, m.channel, m.seq, true)) {
        on_data_arrival(self, m.channel, m.seq, m.records);
        enqueue(self, m.channel, channel_item::data(std::move(m.records)));
      }
    },
    [=](const barrier_msg& m) {
      if (accept(self, m.attempt, m.channel, m.seq, false)
          && !on_barrier_arrival(self, m.channel, m.checkpoint_id, m.checkpoint_timestamp,
                                 m.savepoint))
        enqueue(self, m.channel,
                channel_item::barrier(m.checkpoint_id, m.checkpoint_timestamp, m.savepoint));
    },
    [=](const watermark_msg& m) {
      if (accept(self, m.attempt, m.channel, m.seq, false))
        enqueue(self, m.channel,
                m.status == 0 ? channel_item::watermark(m.watermark)
                              : channel_item::watermark_status(m.status == 1));
    },
    [=](const eos_msg& m) {
      if (accept(self, m.attempt, m.channel, m.seq, false, true)) {
        on_eos_arrival(self, m.channel);
        enqueue(self, m.channel, channel_item::end_of_stream());
      }
    },
    [=](run_atom) { run_source(self); },
    [=](flush_atom) {
      auto& st = self->state;
      st.flush_scheduled = false;
      if (!st.finishing)
        guarded(self, [&] { st.chain->flush(); });
    },
    [=](timer_atom) { on_timer(self); },
    [=](const credit_msg& m) { on_credit(self, m); },
    [=](pump_atom) { pump(self); },
    [=](const trigger_msg& m) { on_trigger(self, m); },
    [=](const checkpoint_done_msg& m) { on_checkpoint_done(self, m); },
    [=](align_timeout_atom, uint64_t id) { on_aligned_timeout(self, id); },
    [=](heartbeat_atom) { return self->state.records_in; },
  };
}

} // namespace sluice
