#include "actors/fault/fault_injector.hpp"

#include <caf/all.hpp>

#include "actors/fault/fault_points.hpp"
#include "actors/job/job_master.hpp"
#include "snapshot/checkpoint_storage.hpp"

namespace sluice {

namespace {

using inject_atom = caf::atom_constant<caf::atom("inject")>;
using verify_atom = caf::atom_constant<caf::atom("verify")>;

constexpr auto poll = std::chrono::milliseconds{5};
constexpr auto retry = std::chrono::milliseconds{20};
/// How long a kill may take to be noticed, and an armed point to be
/// reached and noticed.
constexpr auto kill_notice = std::chrono::milliseconds{500};
constexpr auto point_notice = std::chrono::seconds{10};

/// The point an action arms, if any.
std::optional<fault_point> point_of(fault_action a) {
  switch (a) {
    case fault_action::kill:
      return std::nullopt;
    case fault_action::throw_in_user_code:
      return fault_point::user_code;
    case fault_action::alignment_kill:
      return fault_point::alignment;
    case fault_action::snapshot_kill:
      return fault_point::async_snapshot;
    case fault_action::commit_kill:
      return fault_point::pre_commit;
    case fault_action::restore_kill:
      return fault_point::restore;
  }
  return std::nullopt;
}

struct injector_state {
  static inline const char* name = "sluice.fault_injector";
  std::optional<fault_schedule> schedule;
  /// Next action (index into schedule->actions()) and faults that took.
  size_t next = 0;
  uint32_t done = 0;
  /// The fault in flight: what it is, the restart count and the point's
  /// fire count before it, and until when the job must have reacted.
  std::string what;
  uint64_t restarts_before = 0;
  uint64_t fired_before = 0;
  std::chrono::steady_clock::time_point verify_until;
};

using self_ptr = caf::stateful_actor<injector_state>*;

caf::behavior injector(self_ptr self, job_client job, fault_injection_spec spec,
                       std::function<void(const std::string&)> log) {
  self->state.schedule.emplace(spec);
  auto note = [log](const std::string& line) {
    if (log)
      log(line);
  };
  if (auto storage = job.storage()) {
    if (spec.storage_delay.count() > 0)
      storage->set_write_delay(spec.storage_delay);
    if (spec.storage_failures > 0) {
      auto failing = self->state.schedule->failing_checkpoints();
      storage->fail_writes_of([failing](uint64_t id) { return failing.count(id) > 0; });
      std::string ids;
      for (auto id : failing)
        ids += (ids.empty() ? "" : ", ") + std::to_string(id);
      note("storage writes of checkpoints " + ids + " will fail");
    }
  }
  auto total = self->state.schedule->actions().size();
  if (total == 0) {
    self->quit();
    return {};
  }
  auto faults = job.faults();
  auto current = [self] { return self->state.schedule->actions()[self->state.next]; };
  // Arms the current action's point (if any) and starts watching for the
  // job's reaction.
  auto launch = [=](std::string what, std::chrono::milliseconds notice) {
    auto& st = self->state;
    st.what = std::move(what);
    st.restarts_before = job.restart_stats().restarts;
    st.verify_until = std::chrono::steady_clock::now() + notice;
    if (auto p = point_of(current())) {
      st.fired_before = faults->fired(*p);
      faults->arm(*p);
    }
    self->delayed_send(self, poll, verify_atom::value);
  };
  self->delayed_send(self, self->state.schedule->next_delay(), inject_atom::value);
  return {
    [=](inject_atom) {
      auto status = job.status();
      if (is_terminal(status)) {
        self->quit();
        return;
      }
      if (status != job_status::running) { // restarting: wait for the next attempt
        self->delayed_send(self, retry, inject_atom::value);
        return;
      }
      auto action = current();
      if (action != fault_action::kill && action != fault_action::restore_kill) {
        launch(std::string{to_string(action)}, point_notice);
        return;
      }
      self->request(master_of(job), caf::infinite, subtasks_atom::value)
        .then(
          [=](std::vector<subtask_actor>& subtasks) {
            auto& st = self->state;
            if (subtasks.empty() || job.status() != job_status::running) {
              self->delayed_send(self, retry, inject_atom::value);
              return;
            }
            auto i = st.schedule->pick(subtasks.size());
            auto victim = "subtask " + std::to_string(i + 1) + " of "
                          + std::to_string(subtasks.size());
            bool restore = action == fault_action::restore_kill;
            launch(restore ? "killed " + victim + ", then a subtask during its restore"
                           : "killed " + victim,
                   restore ? std::chrono::milliseconds{point_notice} : kill_notice);
            self->send_exit(subtasks[i], caf::exit_reason::kill);
          },
          [=](caf::error&) { self->quit(); }); // the job master is gone
    },
    // A fault counts once the job reacted (it restarts or fails): for an
    // aimed one, after its point fired; a restore kill needs both failures.
    // A kill of a subtask that had already finished normally changes
    // nothing and is tried again; a point no subtask reaches in time (no
    // alignment in a job without multi-input tasks, ...) is skipped.
    [=](verify_atom) {
      auto& st = self->state;
      auto action = current();
      auto point = point_of(action);
      auto status = job.status();
      bool fired = !point || faults->fired(*point) > st.fired_before;
      auto needed = st.restarts_before + (action == fault_action::restore_kill ? 1 : 0);
      auto restarts = job.restart_stats().restarts;
      bool reacted = is_terminal(status)
                     || (fired && (status != job_status::running || restarts > needed));
      if (!reacted && std::chrono::steady_clock::now() < st.verify_until) {
        self->delayed_send(self, poll, verify_atom::value);
        return;
      }
      if (!reacted) {
        if (point)
          faults->disarm(*point);
        if (action == fault_action::kill) {
          note(st.what + ": it had already finished; not counted");
        } else {
          note(st.what + ": no subtask got there in time; skipped");
          ++st.next;
        }
      } else {
        ++st.done;
        ++st.next;
        note(st.what + " (fault " + std::to_string(st.done) + "/" + std::to_string(total) + ")");
      }
      if (st.next >= total || is_terminal(status))
        self->quit();
      else
        self->delayed_send(self, reacted ? st.schedule->next_delay() : retry,
                           inject_atom::value);
    },
  };
}

} // namespace

caf::actor start_fault_injector(caf::actor_system& sys, const job_client& job,
                                fault_injection_spec spec,
                                std::function<void(const std::string&)> log) {
  return sys.spawn(injector, job, spec, std::move(log));
}

} // namespace sluice
