// The actor that injects a fault_injection_spec's faults into a running job
// (Flink users do it with `kill -9` and chaos tools; sluice's sample apps
// take `--inject-failures=seed=S,kills=N`).
//
// Storage faults are armed at once on the job's checkpoint storage (the
// writes of the chosen checkpoints fail, every write is delayed). Kills:
// after each scheduled delay, while the job is `running` (never while it
// restarts, so every kill hits a live attempt), it asks the job master for
// the current subtasks and kills one with exit_reason::kill; after `kills`
// kills, or when the job ended, it quits. `log` (optional) gets one line
// per injected fault, e.g. "killed subtask 3 of 7".
#pragma once

#include <functional>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/fault_injection.hpp"
#include "actors/runtime.hpp"

namespace sluice {

caf::actor start_fault_injector(caf::actor_system& sys, const job_client& job,
                                fault_injection_spec spec,
                                std::function<void(const std::string&)> log = {});

} // namespace sluice
