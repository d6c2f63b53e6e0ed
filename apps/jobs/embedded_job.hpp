// The embedding sample: a sluice job inside a host's CAF actor system (one
// system, not two). Host actors feed click events in and receive per-user
// visit counts out:
//
//   click_feeder --(std::vector<click>)--> inlet actor --> [sluice job:
//   from_inlet -> map(user, 1) -> key_by(user).sum(count) -> sink_to]
//   --(std::vector<user_count>, end_of_stream)--> count_printer
//
// `sluice-embedded` (apps/cli/embedded.cpp) is the program around it; the
// integration tests call `run_embedded_clicks` directly too.
#pragma once

#include <atomic>
#include <cstdint>
#include <ostream>
#include <string>

#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>

#include "actors/checkpoint/checkpoint_config.hpp"
#include "actors/config/state_config.hpp"
#include "actors/contract/job_status.hpp"
#include "actors/config/pipeline_config.hpp"
#include "actors/fault/fault_injection.hpp"
#include "actors/restart/restart_config.hpp"

namespace sluice::apps {

/// A click event as the host sends it (inspectable: it crosses actors).
struct click {
  std::string user;
  std::string url;
  int64_t timestamp = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, click& x) {
  return f(caf::meta::type_name("click"), x.user, x.url, x.timestamp);
}

/// A user's visit count so far, as the host receives it.
struct user_count {
  std::string user;
  int64_t count = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_count& x) {
  return f(caf::meta::type_name("user_count"), x.user, x.count);
}

/// The host side's settings (`clicks.*` options of sluice-embedded).
struct embedded_options {
  /// Clicks the feeder sends; 0: until cancelled.
  uint64_t count = 20;
  /// Distinct users (0: Mary, Alice, Bob, Cary), as in click_source_options.
  uint64_t users = 0;
  /// Same seed, same clicks (event i = click_event_at(seed, i)).
  uint64_t seed = 42;
  /// Clicks per message from the feeder to the inlet actor.
  uint64_t batch = 16;
  /// Records the inlet holds (the job's input buffer).
  uint64_t inlet_capacity = 1024;
  /// Where the keyed count keeps its state (`state.*`, read from the host's
  /// config with read_state_config).
  state_config state;
  /// What happens when the job fails (`restart-strategy.*`, read from the
  /// host's config with read_restart_config). The inlet cannot rewind: on
  /// a restart, the records the job took from it since the restored
  /// checkpoint are lost (at-most-once for the host's input).
  restart_config restart;
  /// Faults injected into the running job (`--inject-failures`, see
  /// actors/fault/fault_injection.hpp); lines about them go to the checkpoint log.
  fault_injection_spec faults;
};

/// Runs the job on `host` (whose config ran `register_sluice`) with `cfg`
/// and the host actors described above; the printer writes one
/// "Mary visit count: 3" line per update to `out` (from its actor thread).
/// Blocks until the job ended and the printer handled everything the job
/// sent. When `*cancel` (optional, polled every 50 ms) turns non-zero, the
/// job is cancelled and the host actors are stopped. The job checkpoints
/// as `checkpointing` says (default: the compiled-in defaults); with
/// `checkpoint_log`, every completed or failed checkpoint is written there
/// as one line "<prefix>checkpoint 3 completed in ..." (see
/// apps/jobs/checkpoint_report.hpp) while the job runs. Throws
/// `sluice::exception` for an invalid configuration.
job_result run_embedded_clicks(caf::actor_system& host, const pipeline_config& cfg,
                               const embedded_options& opts, std::ostream& out,
                               const std::atomic<int>* cancel = nullptr,
                               const checkpoint_config& checkpointing = checkpoint_config{},
                               std::ostream* checkpoint_log = nullptr,
                               const std::string& log_prefix = "sluice-embedded: ");

} // namespace sluice::apps
