#include "actors/fault_injector.hpp"

#include <caf/all.hpp>

#include "actors/job_master.hpp"
#include "snapshot/checkpoint_storage.hpp"

namespace sluice {

namespace {

using inject_atom = caf::atom_constant<caf::atom("inject")>;
using verify_atom = caf::atom_constant<caf::atom("verify")>;

struct injector_state {
  static inline const char* name = "sluice.fault_injector";
  std::optional<fault_schedule> schedule;
  uint32_t killed = 0;
  /// The last kill: which subtask, the restart count before it, and until
  /// when the job must have noticed it.
  std::string victim;
  uint64_t restarts_before = 0;
  std::chrono::steady_clock::time_point verify_until;
};

caf::behavior injector(caf::stateful_actor<injector_state>* self, job_client job,
                       fault_injection_spec spec,
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
  if (spec.kills == 0) {
    self->quit();
    return {};
  }
  self->delayed_send(self, self->state.schedule->next_delay(), inject_atom::value);
  return {
    [=](inject_atom) {
      auto status = job.status();
      if (is_terminal(status)) {
        self->quit();
        return;
      }
      if (status != job_status::running) { // restarting: wait for the next attempt
        self->delayed_send(self, std::chrono::milliseconds{20}, inject_atom::value);
        return;
      }
      self->request(master_of(job), caf::infinite, subtasks_atom::value)
        .then(
          [=](std::vector<subtask_actor>& subtasks) {
            auto& st = self->state;
            if (subtasks.empty() || job.status() != job_status::running) {
              self->delayed_send(self, std::chrono::milliseconds{20}, inject_atom::value);
              return;
            }
            auto i = st.schedule->pick(subtasks.size());
            st.victim = "subtask " + std::to_string(i + 1) + " of "
                        + std::to_string(subtasks.size());
            st.restarts_before = job.restart_stats().restarts;
            st.verify_until = std::chrono::steady_clock::now() + std::chrono::milliseconds{500};
            self->send_exit(subtasks[i], caf::exit_reason::kill);
            self->delayed_send(self, std::chrono::milliseconds{5}, verify_atom::value);
          },
          [=](caf::error&) { self->quit(); }); // the job master is gone
    },
    // A kill counts once the job reacted (it restarts or fails); a kill of a
    // subtask that had already finished normally changes nothing and is
    // not counted.
    [=](verify_atom) {
      auto& st = self->state;
      auto status = job.status();
      bool reacted = status != job_status::running
                     || job.restart_stats().restarts > st.restarts_before;
      if (!reacted && std::chrono::steady_clock::now() < st.verify_until) {
        self->delayed_send(self, std::chrono::milliseconds{5}, verify_atom::value);
        return;
      }
      if (!reacted) {
        note(st.victim + " had already finished; not counted");
        self->delayed_send(self, std::chrono::milliseconds{20}, inject_atom::value);
        return;
      }
      ++st.killed;
      note("killed " + st.victim + " (kill " + std::to_string(st.killed) + "/"
           + std::to_string(spec.kills) + ")");
      if (st.killed >= spec.kills || is_terminal(status))
        self->quit();
      else
        self->delayed_send(self, st.schedule->next_delay(), inject_atom::value);
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
