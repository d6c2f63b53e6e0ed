// The actor that injects a fault_injection_spec's faults into a running job
// (Flink users do it with `kill -9` and chaos tools; sluice's sample apps
// take `--inject-failures=seed=S,kills=N,...`).
//
// Storage faults are armed at once on the job's checkpoint storage (the
// writes of the chosen checkpoints fail, every write is delayed). The
// scheduled faults (fault_schedule::actions) come one after the other:
// after each scheduled delay, while the job is `running` (never while it
// restarts, so every fault hits a live attempt), a kill asks the job master
// for the current subtasks and kills one with exit_reason::kill; an aimed
// fault arms its point on the job's fault_points (actors/fault/fault_points.hpp)
// and the first subtask that gets there fails; a restore kill does both
// (a kill, then the restore point of the restarted attempt). A fault
// counts once the job reacted (restarted or ended). A kill of a subtask
// that had already finished is tried again; a point no subtask reaches
// within 10 s is skipped. The actor quits after the last fault or when the
// job ended. `log` (optional) gets one line per fault, e.g. "killed
// subtask 3 of 7 (fault 1/5)", "kill mid-alignment (fault 2/5)".
#pragma once

#include <functional>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/fault/fault_injection.hpp"
#include "actors/job/runtime.hpp"

namespace sluice {

caf::actor start_fault_injector(caf::actor_system& sys, const job_client& job,
                                fault_injection_spec spec,
                                std::function<void(const std::string&)> log = {});

} // namespace sluice
