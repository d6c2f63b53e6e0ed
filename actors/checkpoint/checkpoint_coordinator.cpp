#include "actors/checkpoint/checkpoint_coordinator.hpp"

#include <algorithm>
#include <chrono>
#include <random>
#include <type_traits>

#include <caf/all.hpp>

#include "actors/checkpoint/coordinator_files.hpp"
#include "actors/contract/error.hpp"
#include "snapshot/savepoint.hpp"

namespace sluice {

namespace {

using self_ptr = coordinator_actor::stateful_pointer<coordinator_state>;

static_assert(std::is_same_v<caf::actor_clock::time_point, checkpoint_time>);

/// Now, on the actor system's clock: the steady clock, except on CAF's
/// test coordinator, whose clock tests advance (trigger interval, expiry).
checkpoint_time now_of(self_ptr self) {
  return self->clock().now();
}

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

void publish(self_ptr self) {
  self->state.board->set_checkpoint_stats(self->state.stats.snapshot());
}

void send_all(self_ptr self, const checkpoint_done_msg& m) {
  for (auto& vertex : self->state.subtasks)
    for (auto& sub : vertex)
      self->send(sub, m);
}

void trigger_subtask(self_ptr self, subtask_id s, uint64_t id, timestamp ts) {
  auto& st = self->state;
  auto r = st.requests.find(id);
  auto kind = r != st.requests.end() ? r->second.kind : snapshot_kind::checkpoint;
  self->send(st.subtasks[s.vertex][s.subtask],
             trigger_msg{st.attempt, id, ts, kind});
}

/// Checkpoint or savepoint `id` ended without completing: whoever asked
/// for it by hand gets `why`.
void fail_request(self_ptr self, uint64_t id, const std::string& why) {
  auto& st = self->state;
  auto r = st.requests.find(id);
  if (r == st.requests.end())
    return;
  auto what = is_savepoint(r->second.kind) ? "savepoint " : "checkpoint ";
  r->second.promise.deliver(
    make_error(ec::checkpoint_failure, what + std::to_string(id) + " failed: " + why));
  st.requests.erase(r);
}

/// A checkpoint that ended without completing (already disposed by the
/// decision classes): statistics, failure count, notices, files.
void end_failed(self_ptr self, const pending_checkpoint& p) {
  auto& st = self->state;
  auto now = now_of(self);
  st.stats.report_failed(p);
  st.policy->on_checkpoint_end(now);
  send_all(self, checkpoint_done_msg{st.attempt, p.id(), false, false});
  drop_pending_files(self->state, p.id());
  publish(self);
  fail_request(self, p.id(), p.failure_message());
  auto reason = p.failure_reason().value_or(checkpoint_failure_reason::checkpoint_declined);
  if (st.gave_up)
    return;
  if (auto fatal = st.failures->on_failure(p.id(), reason, p.is_savepoint())) {
    st.gave_up = true;
    st.policy->stop();
    // The master is dynamically typed here (a stand-in in tests): a typed
    // actor may only anon_send to it.
    caf::anon_send(st.master, fail_atom::value,
                   make_error(ec::checkpoint_failure, *fatal + " Checkpoint "
                                                        + std::to_string(p.id())
                                                        + " failed: " + p.failure_message()));
  }
}

bool all_finished(self_ptr self) {
  return self->state.finished.size() == self->state.all.size();
}

/// Savepoint `id` was acknowledged by every subtask: copied into its own
/// directory (snapshot/savepoint.hpp), then its checkpoint files go (a
/// savepoint never joins the completed store: retention and failover
/// never see it). Only a stop-with-savepoint notifies the subtasks, which
/// commit their side effects and end.
void complete_savepoint(self_ptr self, uint64_t id) {
  auto& st = self->state;
  auto now = now_of(self);
  std::filesystem::path dir;
  try {
    auto& p = *st.pending.find(id);
    dir = write_savepoint(*st.storage, metadata_of(self->state, p),
                          st.requests[id].dir,
                          (uint64_t{std::random_device{}()} << 32) ^ std::random_device{}());
  } catch (const std::exception& e) { // end_failed answers the request
    if (auto failed = st.pending.abort(id, checkpoint_failure_reason::finalize_checkpoint_failure,
                                       e.what(), now))
      end_failed(self, *failed);
    return;
  }
  auto done = st.pending.complete(id, now);
  st.stats.report_completed(done, dir.string());
  drop_pending_files(self->state, id);
  auto req = std::move(st.requests[id]);
  st.requests.erase(id);
  if (stops_job(req.kind))
    send_all(self, checkpoint_done_msg{st.attempt, id, true, false, true});
  req.promise.deliver(dir.string());
  publish(self);
}

void complete(self_ptr self, uint64_t id) {
  auto& st = self->state;
  if (auto r = st.requests.find(id); r != st.requests.end() && is_savepoint(r->second.kind)) {
    complete_savepoint(self, id);
    return;
  }
  auto now = now_of(self);
  auto* p = st.pending.find(id);
  std::string path;
  try {
    path = st.storage->finalize(metadata_of(self->state, *p));
  } catch (const std::exception& e) {
    if (auto failed = st.pending.abort(id, checkpoint_failure_reason::finalize_checkpoint_failure,
                                       e.what(), now))
      end_failed(self, *failed);
    return;
  }
  auto done = st.pending.complete(id, now);
  st.stats.report_completed(done, path);
  st.failures->on_success(id);
  st.policy->on_checkpoint_end(now);
  completed_checkpoint cp;
  cp.checkpoint_id = id;
  cp.trigger_time = done.trigger_time();
  cp.completion_time = now;
  cp.location = st.storage->location(id);
  cp.files = done.files();
  cp.state_size = done.state_size();
  auto disposal = st.store->add(std::move(cp));
  bool final = all_finished(self) && done.acks_after_input_end() == st.all.size();
  send_all(self, checkpoint_done_msg{st.attempt, id, true, final});
  for (auto& subsumed : st.pending.abort_subsumed(id, now)) {
    st.stats.report_failed(subsumed);
    send_all(self, checkpoint_done_msg{st.attempt, subsumed.id(), false, false});
    drop_pending_files(self->state, subsumed.id());
  }
  dispose(self->state, disposal);
  release_claimed(self->state);
  if (final)
    st.final_completed = true;
  if (auto r = st.requests.find(id); r != st.requests.end()) {
    r->second.promise.deliver(id);
    st.requests.erase(r);
  }
  publish(self);
}

/// Triggers the next checkpoint, or with `sp` a savepoint: the sources
/// get the trigger, subtasks whose input ended snapshot directly. Returns
/// its id.
uint64_t trigger(self_ptr self, checkpoint_time now,
                 std::optional<coordinator_state::request> req = std::nullopt) {
  auto& st = self->state;
  auto id = st.ids.next();
  auto ts = wall_clock_ms();
  bool savepoint = req && is_savepoint(req->kind);
  if (req)
    st.requests.emplace(id, std::move(*req));
  auto& p = st.pending.add(
    pending_checkpoint(id, now, st.plan->checkpointing.timeout, st.all, {}, savepoint, ts));
  st.stats.report_pending(p);
  if (!savepoint) // savepoints do not count for min-pause and max-concurrent
    st.policy->on_triggered(now);
  for (auto& s : st.all)
    if (st.finished.count(s) > 0 || (st.sources.count(s) > 0 && st.running.count(s) > 0))
      trigger_subtask(self, s, id, ts);
  publish(self);
  return id;
}

void schedule_tick(self_ptr self, checkpoint_time at) {
  auto& st = self->state;
  auto now = now_of(self);
  if (st.next_tick && *st.next_tick <= at && *st.next_tick > now)
    return;
  st.next_tick = at;
  auto delay = std::max(at - now, checkpoint_duration{std::chrono::milliseconds{1}});
  self->delayed_send(self, std::chrono::duration_cast<std::chrono::microseconds>(delay),
                     tick_atom::value);
}

void tick(self_ptr self) {
  auto& st = self->state;
  st.next_tick.reset();
  if (st.final_completed || st.gave_up || st.suspended)
    return;
  auto now = now_of(self);
  for (auto& p : st.pending.expire_due(now))
    end_failed(self, p);
  if (st.gave_up)
    return;
  auto all_running = st.running.size() >= st.all.size();
  std::optional<checkpoint_time> wake;
  if (all_finished(self)) {
    // FLIP-147: the job's input ended; take the final checkpoint without
    // waiting for the interval, but after min-pause.
    auto until = st.policy->min_pause_until();
    if (until && now < *until)
      wake = *until;
    else if (st.pending.empty())
      trigger(self, now);
  } else {
    auto d = st.policy->decide(now, st.pending.size(), all_running);
    if (d.verdict == trigger_verdict::trigger) {
      trigger(self, now);
    } else if (d.verdict == trigger_verdict::not_all_running) {
      st.policy->on_declined(now);
      st.stats.report_failed_without_in_progress();
      publish(self);
    }
    wake = d.next_attempt;
  }
  // The earliest future moment among the policy's, the next trigger's and
  // the pending deadlines. One already past (a trigger held back by
  // max-concurrent) is retried an interval from now, but never later than
  // a future deadline, so checkpoints expire on time.
  auto retry = now + std::chrono::milliseconds{std::max<int64_t>(
                 1, st.plan->checkpointing.interval.value_or(std::chrono::milliseconds{100}).count())};
  std::optional<checkpoint_time> next;
  bool overdue = false;
  for (auto t : {wake, st.policy->next_due(), st.pending.next_deadline()}) {
    if (!t)
      continue;
    if (*t <= now)
      overdue = true;
    else if (!next || *t < *next)
      next = t;
  }
  if (!next || (overdue && retry < *next))
    next = retry;
  schedule_tick(self, *next);
}

void on_ack(self_ptr self, ack_msg& m) {
  auto& st = self->state;
  if (m.attempt != st.attempt) {
    drop_ack_files(self->state, m.checkpoint_id, files_of(m));
    return;
  }
  subtask_id who{m.vertex, m.subtask_index};
  subtask_ack ack;
  ack.state_size = m.state_size;
  ack.checkpointed_size = m.checkpointed_size;
  ack.persisted_data = m.persisted_in_flight;
  ack.sync_duration = std::chrono::nanoseconds{m.sync_ns};
  ack.async_duration = std::chrono::nanoseconds{m.async_ns};
  ack.alignment_duration = std::chrono::nanoseconds{m.alignment_ns};
  ack.start_delay = std::chrono::nanoseconds{m.start_delay_ns};
  ack.unaligned = m.unaligned;
  ack.input_ended = m.finished;
  ack.files = files_of(m);
  auto files = ack.files;
  ack.states = std::move(m.states);
  auto now = now_of(self);
  auto out = st.pending.acknowledge(m.checkpoint_id, who, std::move(ack), now);
  if (out.expired) {
    end_failed(self, *out.expired);
    return;
  }
  if (out.refused) // a late ack of a checkpoint that ended
    drop_ack_files(self->state, m.checkpoint_id, std::move(files));
  if (out.result == ack_result::accepted || out.result == ack_result::fully_acknowledged) {
    st.store->hold(m.checkpoint_id, files);
    if (auto* p = st.pending.find(m.checkpoint_id))
      st.stats.report_ack(*p, who);
  }
  if (out.result == ack_result::fully_acknowledged)
    complete(self, m.checkpoint_id);
  else
    publish(self);
  if (all_finished(self) && !st.final_completed)
    tick(self);
}

void on_decline(self_ptr self, const decline_msg& m) {
  auto& st = self->state;
  if (m.attempt != st.attempt)
    return;
  auto now = now_of(self);
  if (auto failed = st.pending.decline(m.checkpoint_id, {m.vertex, m.subtask_index}, m.cause,
                                       m.reason, now))
    end_failed(self, *failed);
}

void on_subtask_state(self_ptr self, const subtask_state_msg& m) {
  auto& st = self->state;
  if (m.attempt != st.attempt)
    return;
  subtask_id who{m.vertex, m.subtask_index};
  st.running.insert(who);
  if (!m.finished)
    return;
  st.finished.insert(who);
  // No barrier can reach it any more: it snapshots its final state directly
  // for every checkpoint it has not acked yet.
  for (auto& [id, p] : st.pending.all())
    if (p.not_yet_acknowledged().count(who) > 0)
      trigger_subtask(self, who, id, p.trigger_timestamp());
  if (all_finished(self))
    tick(self);
}

/// Why no checkpoint or savepoint can be triggered by hand now, if so.
std::optional<std::string> cannot_trigger(self_ptr self) {
  auto& st = self->state;
  if (st.suspended)
    return "the job is restarting";
  if (st.gave_up)
    return "too many checkpoints failed; the job is failing over";
  if (st.final_completed || all_finished(self))
    return "the job is finishing";
  if (st.running.size() < st.all.size())
    return "not every subtask is running yet";
  return std::nullopt;
}

/// Failover: pending checkpoints are aborted (job_failover, not counted as
/// failed checkpoints), nothing is triggered, messages of the failed
/// attempt are dropped from now on. Returns the newest completed
/// checkpoint to restore from (null: none).
restore_ptr suspend(self_ptr self, uint64_t new_attempt) {
  auto& st = self->state;
  auto now = now_of(self);
  st.suspended = true;
  st.attempt = new_attempt;
  st.policy->stop();
  for (auto& p : st.pending.abort_all(checkpoint_failure_reason::job_failover,
                                      "the job is restarting (failover)", now)) {
    st.stats.report_failed(p);
    drop_pending_files(self->state, p.id());
    fail_request(self, p.id(), "the job is restarting (failover)");
  }
  st.running.clear();
  st.finished.clear();
  publish(self);
  auto* latest = st.store->latest();
  if (latest == nullptr) // nothing completed yet: where the job started from
    return st.plan->initial_restore;
  auto point = std::make_shared<restore_point>();
  point->storage = st.storage;
  point->metadata = st.storage->read_metadata(latest->checkpoint_id);
  return point;
}

/// The restarted attempt is deployed: checkpointing goes on with it; ids
/// continue after the restored checkpoint.
void resume(self_ptr self, uint64_t attempt, std::vector<std::vector<subtask_actor>> subtasks) {
  auto& st = self->state;
  if (attempt != st.attempt)
    return;
  st.subtasks = std::move(subtasks);
  st.suspended = false;
  st.gave_up = false; // a failover after too many failed checkpoints
  st.policy->start(now_of(self));
  tick(self);
}

void shutdown(self_ptr self, job_status status) {
  auto& st = self->state;
  auto now = now_of(self);
  st.policy->stop();
  for (auto& p : st.pending.abort_all(checkpoint_failure_reason::checkpoint_coordinator_shutdown,
                                      "the job ended", now)) {
    st.stats.report_failed(p);
    drop_pending_files(self->state, p.id());
    fail_request(self, p.id(), "the job ended");
  }
  st.storage->wait_for_writers(std::chrono::seconds{30});
  dispose(self->state, st.store->shutdown(status));
  std::set<uint64_t> keep;
  for (auto& cp : st.store->checkpoints())
    keep.insert(cp.checkpoint_id);
  auto referenced = st.store->referenced_files();
  st.storage->discard_all_but(keep, {referenced.begin(), referenced.end()});
  publish(self);
  self->quit();
}

} // namespace

coordinator_actor::behavior_type
checkpoint_coordinator(coordinator_actor::stateful_pointer<coordinator_state> self,
                       std::shared_ptr<const execution_plan> plan,
                       std::shared_ptr<job_board> board, checkpoint_storage_ptr storage,
                       uint64_t attempt, std::vector<std::vector<subtask_actor>> subtasks,
                       caf::actor master) {
  auto& st = self->state;
  st.master = std::move(master);
  auto& cfg = plan->checkpointing;
  st.plan = plan;
  st.board = std::move(board);
  st.storage = std::move(storage);
  st.attempt = attempt;
  st.subtasks = std::move(subtasks);
  st.policy.emplace(cfg);
  st.store.emplace(cfg);
  if (plan->initial_restore) { // ids continue after the restored checkpoint
    st.ids.restore_after(plan->initial_restore->checkpoint_id());
    if (plan->initial_restore->mode == restore_mode::claim)
      st.claimed = plan->initial_restore;
  }
  st.failures.emplace(cfg.tolerable_failures);
  for (auto& v : plan->vertices) {
    bool source = plan->nodes[v.chain.front()].source;
    for (uint32_t i = 0; i < v.parallelism; ++i) {
      st.all.push_back(subtask_id{v.id, i});
      if (source)
        st.sources.insert(subtask_id{v.id, i});
    }
  }
  st.policy->start(now_of(self));
  publish(self);
  tick(self);
  return {
    [=](tick_atom) { tick(self); },
    [=](ack_msg& m) { on_ack(self, m); },
    [=](const decline_msg& m) { on_decline(self, m); },
    [=](const subtask_state_msg& m) { on_subtask_state(self, m); },
    [=](shutdown_atom, job_status s) { shutdown(self, s); },
    [=](suspend_atom, uint64_t new_attempt) -> caf::result<restore_ptr> {
      try {
        return suspend(self, new_attempt);
      } catch (const std::exception& e) {
        return make_error(ec::checkpoint_failure,
                          std::string{"cannot read the checkpoint to restore: "} + e.what());
      }
    },
    [=](resume_atom, uint64_t attempt, std::vector<std::vector<subtask_actor>>& subtasks) {
      resume(self, attempt, std::move(subtasks));
    },
    [=](savepoint_atom, std::string& dir, snapshot_kind kind) -> caf::result<std::string> {
      auto& st = self->state;
      if (auto why = cannot_trigger(self))
        return make_error(ec::checkpoint_failure, "cannot take a savepoint: " + *why);
      if (dir.empty())
        dir = st.plan->checkpointing.savepoint_dir;
      if (dir.empty())
        return make_error(ec::invalid_argument,
                          "no savepoint directory: name one or set checkpointing.savepoint-dir");
      auto rp = self->make_response_promise<std::string>();
      auto k = is_savepoint(kind) ? kind : snapshot_kind::savepoint;
      trigger(self, now_of(self), coordinator_state::request{k, dir, rp});
      return rp;
    },
    [=](checkpoint_atom) -> caf::result<uint64_t> {
      if (auto why = cannot_trigger(self))
        return make_error(ec::checkpoint_failure, "cannot trigger a checkpoint: " + *why);
      auto rp = self->make_response_promise<uint64_t>();
      trigger(self, now_of(self), coordinator_state::request{snapshot_kind::checkpoint, {}, rp});
      return rp;
    },
  };
}

} // namespace sluice
