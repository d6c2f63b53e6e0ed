// The actor system a job runs on, owned by sluice or borrowed from a host,
// and the client-side handle of a running job. Of CAF only its error types
// (caf::error, caf::expected: one error model for every job_client
// operation, with sluice's codes), so the C++ API (operators/) can use it;
// `actors/embedding/embedding.hpp` has the CAF side.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "actors/checkpoint/checkpoint_stats.hpp"
#include "actors/contract/job_graph.hpp"
#include "actors/contract/job_status.hpp"
#include "actors/config/pipeline_config.hpp"

namespace caf {
class actor_system;
} // namespace caf

namespace sluice {

class checkpoint_storage;
class fault_points;
class job_board;

/// What a savepoint does to the job (Flink's `savepoint`, `stop` and
/// `stop --drain`).
enum class savepoint_mode : uint8_t {
  /// The job keeps running; no side effects are committed for it.
  keep_running,
  /// Sources stop after the savepoint's barrier; once it completed, side
  /// effects are committed and the job ends as finished.
  stop,
  /// Like `stop`, but event time first advances to the end (the maximum
  /// watermark goes out before the barrier), so timers and windows fire.
  stop_and_drain,
};

/// The outcome of an operation on a running job (savepoint, checkpoint).
struct job_operation_result {
  /// No error when it succeeded, else what went wrong: always a sluice
  /// error (category "sluice"; `code_of` and `render` in
  /// actors/contract/error.hpp), e.g. ec::checkpoint_failure with the reason.
  caf::error error;
  /// A savepoint's directory.
  std::string location;
  /// A checkpoint's id.
  uint64_t checkpoint_id = 0;

  bool ok() const noexcept {
    return !error;
  }
};

/// Handle of a submitted job. Cheap to copy; any thread may use it.
class job_client {
public:
  job_status status() const;

  /// Asks the job master to cancel the job; returns at once.
  void cancel() const;

  /// Blocks until the job finished, failed or was cancelled.
  job_result wait() const;

  /// Like `wait`, giving up after `timeout` (nullopt: still running).
  std::optional<job_result> wait_for(std::chrono::milliseconds timeout) const;

  /// The job's id: 32 hex digits (Flink's JobID); names the job's
  /// checkpoint directory `<checkpointing.dir>/<job-id>/`.
  const std::string& job_id() const;

  /// Checkpoint statistics (counts, latest, history), as of now; empty
  /// when checkpointing is off.
  checkpoint_stats_snapshot checkpoint_stats() const;

  /// Restarts so far, the latest failure's cause and the downtime.
  job_restart_stats restart_stats() const;

  /// What the job guarantees for its state under failures, and why not
  /// more (sources that cannot replay): actors/job/delivery_guarantee.hpp.
  const guarantee_report& guarantee() const;

  /// Where the job's checkpoints live (null when checkpointing is off);
  /// tests and tools read completed checkpoints through it.
  std::shared_ptr<checkpoint_storage> storage() const;

  /// Takes a savepoint into `dir` (empty: checkpointing.savepoint-dir);
  /// returns at once. `done` gets the savepoint's directory or the error,
  /// on another thread. Needs checkpointing (checkpointing.interval).
  void trigger_savepoint(std::string dir, savepoint_mode mode,
                         std::function<void(job_operation_result)> done) const;

  /// Blocking form of trigger_savepoint: the savepoint's directory, or
  /// the same error trigger_savepoint reports (ec::checkpoint_failure with
  /// the reason also when `timeout` passed). Never throws for a savepoint
  /// that fails.
  caf::expected<std::string>
  savepoint(std::string dir = {}, savepoint_mode mode = savepoint_mode::keep_running,
            std::chrono::milliseconds timeout = std::chrono::minutes{10}) const;

  /// Takes a checkpoint now (Flink 1.19's manual checkpoint); `done` gets
  /// its id once it completed, or the error, on another thread. Errors are
  /// sluice errors as for trigger_savepoint.
  void trigger_checkpoint(std::function<void(job_operation_result)> done) const;

  /// The job's aimed-fault points (actors/fault/fault_points.hpp): the fault
  /// injector and tests arm them; never null.
  std::shared_ptr<sluice::fault_points> faults() const;

  struct impl;
  explicit job_client(std::shared_ptr<impl> p) : impl_(std::move(p)) {
  }

  const std::shared_ptr<impl>& get_impl() const noexcept {
    return impl_;
  }

private:
  std::shared_ptr<impl> impl_;
};

/// Runs jobs on an actor system.
class runtime {
public:
  /// Starts an own actor system with `cfg.threads` scheduler threads
  /// (0: one per core). Destroying the runtime cancels jobs still running
  /// and waits for them before stopping the system.
  static std::shared_ptr<runtime> start(const pipeline_config& cfg);

  /// Runs jobs on the host's actor system, which must outlive every job.
  /// Destroying the runtime cancels jobs still running, waits for them, and
  /// leaves the system to the host.
  static std::shared_ptr<runtime> attach(caf::actor_system& host);

  virtual ~runtime();

  /// Spawns a job master for `plan` and returns at once.
  job_client submit(execution_plan plan);

  caf::actor_system& system() noexcept;

  struct impl;

private:
  explicit runtime(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

/// The compiled-in defaults (meson options), parsed.
pipeline_config default_pipeline_config();

/// Throws sluice::exception(ec::invalid_option) naming the option when `cfg`
/// is invalid (the same checks as `validate` in actors/config/system_config.hpp).
void check(const pipeline_config& cfg);

/// Throws sluice::exception(ec::invalid_option) with checkpoint_config::
/// validate's message when `cfg` is invalid.
void check(const checkpoint_config& cfg);

/// Throws sluice::exception(ec::invalid_option) with state_config::
/// validate's message when `cfg` is invalid.
void check(const state_config& cfg);

} // namespace sluice
