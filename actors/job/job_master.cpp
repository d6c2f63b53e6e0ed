#include "actors/job/job_master.hpp"

#include <algorithm>
#include <tuple>

#include <caf/all.hpp>

#include "actors/checkpoint/checkpoint_coordinator.hpp"
#include "actors/contract/error.hpp"
#include "actors/subtask/async_snapshot.hpp"
#include "actors/subtask/subtask.hpp"
#include "actors/subtask/subtask_restore.hpp"

namespace sluice {

namespace {

using self_ptr = job_master_actor::stateful_pointer<job_master_state>;

void set_status(self_ptr self, job_status s) {
  self->state.status = s;
  self->state.board->set_status(s);
}

/// Stops every subtask that is still running.
void stop_all(self_ptr self) {
  for (auto& vertex : self->state.subtasks)
    for (auto& sub : vertex)
      self->send_exit(sub, caf::exit_reason::user_shutdown);
}

void publish_result(self_ptr self) {
  auto& st = self->state;
  st.status = st.result.status;
  st.board->set_result(st.result);
  self->quit();
}

void finish(self_ptr self) {
  auto& st = self->state;
  switch (st.status) {
    case job_status::failing:
      st.result.status = job_status::failed;
      break;
    case job_status::cancelling:
      st.result = job_result{job_status::cancelled, ec::job_cancelled,
                             "job '" + st.plan->job_name + "' was cancelled", {}, {}};
      break;
    default:
      st.result = job_result{job_status::finished, ec::none, {}, {}, {}};
  }
  std::sort(st.metrics.begin(), st.metrics.end(), [](auto& x, auto& y) {
    return std::tie(x.vertex, x.subtask_index) < std::tie(y.vertex, y.subtask_index);
  });
  st.result.subtasks = std::move(st.metrics);
  st.result.restarts = st.restart_stats;
  if (st.coordinator) {
    st.coordinator_stopping = true;
    caf::anon_send(st.coordinator, shutdown_atom::value, st.result.status);
    return; // publish_result once it is down
  }
  publish_result(self);
}

void fail_job(self_ptr self, job_result r) {
  auto& st = self->state;
  st.result = std::move(r);
  set_status(self, job_status::failing);
  stop_all(self);
}

void publish_restarts(self_ptr self) {
  self->state.board->set_restart_stats(self->state.restart_stats);
}

/// Spawns, wires and deploys the subtasks of attempt `st.attempt`
/// (receivers first), restoring from `st.restore` when set.
void deploy_attempt(self_ptr self);

/// Redeploys once the old attempt is gone, the restore point is known and
/// the backoff has passed (a delayed redeploy message for the rest).
void maybe_redeploy(self_ptr self) {
  auto& st = self->state;
  if (st.status != job_status::restarting || st.alive > 0 || !st.restore_known)
    return;
  auto wait = st.restart_at - std::chrono::steady_clock::now();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(wait);
  self->delayed_send(self, std::max(us, std::chrono::microseconds{0}), redeploy_atom::value,
                     st.attempt);
}

void redeploy(self_ptr self, uint64_t attempt) {
  auto& st = self->state;
  if (st.status != job_status::restarting || attempt != st.attempt)
    return;
  auto now = std::chrono::steady_clock::now();
  st.restart_stats.downtime
    += std::chrono::duration_cast<std::chrono::milliseconds>(now - st.failed_at);
  ++st.restart_stats.restarts;
  st.restart_stats.restored_checkpoint = st.restore ? st.restore->checkpoint_id() : 0;
  publish_restarts(self);
  st.metrics.clear(); // subtask metrics belong to the attempt that ends the job
  deploy_attempt(self);
  set_status(self, job_status::running);
  self->delayed_send(self, st.plan->config.heartbeat_interval, heartbeat_round_atom::value, st.attempt);
  if (st.coordinator)
    caf::anon_send(st.coordinator, resume_atom::value, st.attempt,
                   st.subtasks);
}

/// A subtask of the running attempt failed with `why`: restart (Flink's
/// failover) or fail the job, as the restart strategy decides.
void on_failure(self_ptr self, ec code, std::string why) {
  auto& st = self->state;
  auto now = std::chrono::steady_clock::now();
  st.restart_stats.last_failure = why;
  publish_restarts(self);
  if (restarts_cannot_cure(code)) { // Flink's SuppressRestartsException
    fail_job(self, job_result{job_status::failed, code,
                              std::move(why) + " (not restarted: every attempt would fail the "
                                               "same way)",
                              {}, {}});
    return;
  }
  st.restarts->notify_failure(now);
  if (!st.restarts->can_restart(now)) {
    auto message = st.restarts->type() == restart_strategy_type::none
                     ? std::move(why)
                     : st.restarts->failure_message(why, now);
    fail_job(self, job_result{job_status::failed, code, std::move(message), {}, {}});
    return;
  }
  set_status(self, job_status::restarting);
  st.failed_at = now;
  st.restart_at = now + st.restarts->backoff_time(now);
  ++st.attempt;
  stop_all(self);
  st.restore_known = false;
  st.restore = nullptr;
  if (!st.coordinator) { // no checkpoints: the new attempt starts fresh
    st.restore_known = true;
    maybe_redeploy(self);
    return;
  }
  auto attempt = st.attempt;
  self->request(st.coordinator, caf::infinite, suspend_atom::value,
                attempt)
    .then(
      [=](restore_ptr& point) {
        auto& st = self->state;
        if (attempt != st.attempt)
          return;
        st.restore = std::move(point);
        st.restore_known = true;
        maybe_redeploy(self);
      },
      [=](caf::error& err) {
        if (self->state.status == job_status::restarting)
          fail_job(self, job_result{job_status::failed, code_of(err), render(err), {}, {}});
        if (self->state.alive == 0)
          finish(self);
      });
}

/// Every heartbeat.interval while attempt `attempt` runs: asks each of its
/// subtasks for a sign of life (high priority, ahead of data). One that has
/// not answered within heartbeat.timeout fails the attempt like a crash.
/// It is written off at once (no longer counted as alive): an actor stuck
/// in user code may never process its exit, and the restart must not wait
/// for it. Its late down message is ignored.
void heartbeat(self_ptr self, uint64_t attempt) {
  auto& st = self->state;
  if (attempt != st.attempt || is_terminal(st.status) || st.status == job_status::cancelling
      || st.status == job_status::failing)
    return;
  if (st.status == job_status::running) {
    auto timeout = st.plan->config.heartbeat_timeout;
    for (auto& vertex : st.subtasks) {
      for (auto& sub : vertex) {
        if (st.names.count(sub.address()) == 0)
          continue; // ended
        self->request<caf::message_priority::high>(sub, timeout, heartbeat_atom::value)
          .then([](uint64_t) {},
                [=](caf::error& err) {
                  auto& st = self->state;
                  if (err != caf::sec::request_timeout || attempt != st.attempt
                      || st.status != job_status::running)
                    return;
                  auto it = st.names.find(sub.address());
                  if (it == st.names.end())
                    return;
                  auto why = "subtask " + it->second + " did not answer a heartbeat within "
                             + std::to_string(timeout.count())
                             + " ms (heartbeat.timeout): stuck or overloaded";
                  st.names.erase(it);
                  --st.alive;
                  self->send_exit(sub, caf::exit_reason::kill);
                  on_failure(self, ec::subtask_failed, std::move(why));
                  if (st.alive == 0)
                    st.status == job_status::restarting ? maybe_redeploy(self) : finish(self);
                });
      }
    }
  }
  self->delayed_send(self, st.plan->config.heartbeat_interval, heartbeat_round_atom::value, attempt);
}

void on_down(self_ptr self, const caf::down_msg& m) {
  auto& st = self->state;
  if (st.coordinator && m.source == st.coordinator.address()) {
    st.coordinator = coordinator_actor{};
    if (st.coordinator_stopping) {
      publish_result(self);
      return;
    }
    if (st.status == job_status::running || st.status == job_status::restarting) {
      auto why = m.reason ? render(m.reason) : std::string{"the checkpoint coordinator ended"};
      auto code = code_of(m.reason) != ec::none ? code_of(m.reason) : ec::checkpoint_failure;
      fail_job(self, job_result{job_status::failed, code, std::move(why), {}, {}});
    }
    if (st.alive == 0)
      finish(self);
    return;
  }
  auto it = st.names.find(m.source);
  if (it == st.names.end())
    return;
  auto name = std::move(it->second);
  st.names.erase(it);
  --st.alive;
  if (m.reason && st.status == job_status::running) {
    // The first failure decides the cause; later ones are its consequences.
    std::string why = code_of(m.reason) != ec::none
                        ? render(m.reason)
                        : "subtask " + name + " terminated: "
                            + self->system().render(m.reason);
    auto code = code_of(m.reason) != ec::none ? code_of(m.reason) : ec::subtask_failed;
    on_failure(self, code, std::move(why));
  }
  if (st.alive > 0)
    return;
  if (st.status == job_status::restarting)
    maybe_redeploy(self);
  else
    finish(self);
}

/// Asks the coordinator and answers with what it answers; an error when
/// the job does not checkpoint or is not running.
template <class T, class... Ts>
caf::result<T> forward_to_coordinator(self_ptr self, const char* what, Ts&&... xs) {
  auto& st = self->state;
  if (!st.coordinator)
    return make_error(ec::checkpoint_failure,
                      std::string{what} + " need checkpointing (set checkpointing.interval)");
  if (st.status != job_status::running)
    return make_error(ec::checkpoint_failure,
                      std::string{"the job is "} + to_string(st.status) + ", not running");
  auto rp = self->make_response_promise<T>();
  self->request(st.coordinator, caf::infinite, std::forward<Ts>(xs)...)
    .then([rp](T& x) mutable { rp.deliver(std::move(x)); },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

void deploy_attempt(self_ptr self) {
  auto& st = self->state;
  auto& plan = st.plan;
  st.subtasks.clear();
  st.subtasks.resize(plan->vertices.size());
  for (auto& v : plan->vertices) {
    for (uint32_t i = 0; i < v.parallelism; ++i) {
      auto sub = self->spawn<caf::monitored>(subtask);
      st.names.emplace(sub.address(), "'" + v.name + "' (" + std::to_string(i + 1) + "/"
                                        + std::to_string(v.parallelism) + ")");
      st.subtasks[v.id].push_back(std::move(sub));
      ++st.alive;
    }
  }
  if (st.storage && !st.coordinator)
    st.coordinator = self->spawn<caf::detached + caf::monitored>(
      checkpoint_coordinator, plan, st.board, st.storage, st.attempt, st.subtasks,
      caf::actor_cast<caf::actor>(self));
  if (st.storage && !st.snapshot_writers) {
    st.snapshot_writers = spawn_snapshot_writers(self->system(), snapshot_writer_threads);
    // Whatever way the master ends, its writers end with it.
    self->attach_functor([writers = st.snapshot_writers](const caf::error&) {
      caf::anon_send_exit(writers, caf::exit_reason::user_shutdown);
    });
  }
  auto& cp = plan->checkpointing;
  // Who sends on each input channel: credits flow back along these.
  std::vector<std::vector<std::vector<input_channel_spec>>> inputs(plan->vertices.size());
  for (auto& v : plan->vertices) {
    inputs[v.id].resize(v.parallelism);
    for (uint32_t i = 0; i < v.parallelism; ++i)
      inputs[v.id][i].resize(plan->num_input_channels(v.id, i));
  }
  std::vector<std::vector<std::vector<output_gate_spec>>> outputs(plan->vertices.size());
  for (auto& v : plan->vertices) {
    auto out_edges = plan->outgoing(v.id);
    outputs[v.id].resize(v.parallelism);
    for (uint32_t i = 0; i < v.parallelism; ++i) {
      for (uint32_t k = 0; k < out_edges.size(); ++k) {
        auto to = plan->edges[out_edges[k]].to;
        output_gate_spec gate;
        uint32_t ch = 0;
        for (auto& target : plan->output_channels(out_edges[k], i)) {
          gate.receivers.push_back(st.subtasks[to][target.subtask]);
          gate.channels.push_back(target.channel);
          inputs[to][target.subtask][target.channel]
            = input_channel_spec{st.subtasks[v.id][i], k, ch++};
        }
        outputs[v.id][i].push_back(std::move(gate));
      }
    }
  }
  // Receivers first: a subtask's deploy is in its mailbox before any data an
  // upstream subtask can send it.
  for (auto v = plan->vertices.rbegin(); v != plan->vertices.rend(); ++v) {
    for (uint32_t i = 0; i < v->parallelism; ++i) {
      auto dep = std::make_shared<deployment>();
      dep->attempt = st.attempt;
      dep->restore = st.restore;
      dep->master = self->address();
      dep->vertex = v->id;
      dep->subtask_index = i;
      dep->plan = plan;
      dep->faults = st.faults;
      dep->num_inputs = plan->num_input_channels(v->id, i);
      dep->inputs = std::move(inputs[v->id][i]);
      dep->outputs = std::move(outputs[v->id][i]);
      if (st.coordinator) {
        dep->coordinator = st.coordinator.address();
        dep->storage = st.storage;
        dep->snapshot_writers = st.snapshot_writers;
        dep->barriers = cp.mode == checkpointing_mode::at_least_once
                          ? barrier_handling::at_least_once
                          : barrier_handling::aligned;
        dep->unaligned = cp.unaligned && cp.mode == checkpointing_mode::exactly_once;
        dep->aligned_timeout = cp.aligned_timeout;
      }
      self->send(st.subtasks[v->id][i], deploy_atom::value, deployment_ptr{std::move(dep)});
    }
  }
}

} // namespace

job_master_actor::behavior_type
job_master(job_master_actor::stateful_pointer<job_master_state> self,
           std::shared_ptr<const execution_plan> plan,
           std::shared_ptr<job_board> board,
           std::shared_ptr<checkpoint_storage> storage,
           std::shared_ptr<fault_points> faults) {
  auto& st = self->state;
  st.faults = std::move(faults);
  st.plan = plan;
  st.board = std::move(board);
  st.storage = plan->checkpointing.enabled() ? std::move(storage) : nullptr;
  // Not linked: CAF makes a linked actor's `exit_reason::kill` fatal for its
  // peers. Subtasks monitor the master instead and quit when it goes away;
  // a master that dies itself still publishes the job as failed.
  self->attach_functor([board = st.board](const caf::error& reason) {
    if (!is_terminal(board->status()))
      board->set_result(job_result{job_status::failed, ec::subtask_failed,
                                   "the job master terminated: " + caf::to_string(reason), {},
                                   board->restart_stats()});
  });
  self->set_down_handler([=](const caf::down_msg& m) { on_down(self, m); });
  st.restarts = plan->restart.resolve(plan->checkpointing.enabled()).make_strategy();
  st.restore = plan->initial_restore;
  deploy_attempt(self);
  set_status(self, job_status::running);
  self->delayed_send(self, plan->config.heartbeat_interval, heartbeat_round_atom::value, st.attempt);
  return {
    [=](status_atom) { return self->state.status; },
    [=](subtasks_atom) {
      std::vector<subtask_actor> result;
      for (auto& vertex : self->state.subtasks)
        result.insert(result.end(), vertex.begin(), vertex.end());
      return result;
    },
    [=](cancel_atom) {
      auto& st = self->state;
      if (st.status != job_status::running && st.status != job_status::restarting)
        return;
      set_status(self, job_status::cancelling);
      stop_all(self);
      if (st.alive == 0)
        finish(self);
    },
    [=](subtask_metrics& m) { self->state.metrics.push_back(std::move(m)); },
    [=](savepoint_atom, std::string& dir, snapshot_kind kind) -> caf::result<std::string> {
      return forward_to_coordinator<std::string>(self, "savepoints", savepoint_atom::value,
                                                 std::move(dir), kind);
    },
    [=](checkpoint_atom) -> caf::result<uint64_t> {
      return forward_to_coordinator<uint64_t>(self, "checkpoints", checkpoint_atom::value);
    },
    // Too many failed checkpoints (checkpointing.tolerable-failures): a
    // global failover, as Flink's failJob callback; the restart strategy
    // decides whether the job restarts or fails with this cause.
    [=](fail_atom, const caf::error& err) {
      if (self->state.status == job_status::running)
        on_failure(self, code_of(err), render(err));
    },
    [=](redeploy_atom, uint64_t attempt) { redeploy(self, attempt); },
    [=](heartbeat_round_atom, uint64_t attempt) { heartbeat(self, attempt); },
  };
}

} // namespace sluice
