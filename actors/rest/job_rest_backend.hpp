// The REST endpoint's real backend: the jobs of one sluice process, read
// through their `job_client`s (status, statistics: mutex-protected board
// reads, cheap) and acted on through job_client's non-blocking operations
// (cancel, trigger_savepoint, trigger_checkpoint), whose short-lived actors
// ask the job master and call back on another thread. No call blocks.
//
// Asynchronous operations (savepoint, stop-with-savepoint, manual
// checkpoint) are recorded under (job, trigger id) as IN_PROGRESS when
// triggered, then COMPLETED or FAILED when job_client's callback arrives;
// the status endpoints answer from the record (Flink's CompletedOperation-
// Cache). Records are bounded: past `max_operations`, the oldest finished
// record is dropped first (the oldest in progress only when none finished).
//
// Who calls it: `add_job` whoever submits jobs (any thread); the
// rest_backend methods the REST router, on the server's io thread (any
// thread works: everything is guarded by one mutex, never held while a
// callback or a job_client operation runs). Every callback runs exactly
// once; all but the operation results run inside the call.
//
// Lifetime: the backend keeps a copy of every job_client (jobs stay listed
// after they end, as in Flink), so destroy it before the actor system the
// jobs run on. Operation results arriving after the backend is gone are
// dropped.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/checkpoint/checkpoint_config.hpp"
#include "actors/rest/rest_backend.hpp"
#include "actors/job/runtime.hpp"

namespace sluice {

/// What the REST endpoint shows of a job that job_client does not know.
struct rest_job_info {
  std::string name;
  uint32_t parallelism = 0;
  uint32_t max_parallelism = 0;
  /// The job's `checkpointing.*` options (GET .../checkpoints/config; the
  /// savepoint-dir default of savepoints without a target directory).
  checkpoint_config checkpointing;
  /// `state.backend`: "hashmap" or "lmdb".
  std::string state_backend = "hashmap";
  /// `state.incremental`: decides which manual checkpoint types (FULL,
  /// INCREMENTAL) the job can take besides CONFIGURED.
  bool incremental = false;
  std::chrono::system_clock::time_point start_time = std::chrono::system_clock::now();
};

class job_rest_backend final : public rest_backend {
public:
  /// Flink keeps completed operations for a while; we keep a count.
  static constexpr size_t default_max_operations = 1000;

  /// `max_operations` >= 1: records of savepoints, stops and checkpoint
  /// triggers kept over all jobs.
  explicit job_rest_backend(size_t max_operations = default_max_operations);
  ~job_rest_backend() override;

  job_rest_backend(const job_rest_backend&) = delete;
  job_rest_backend& operator=(const job_rest_backend&) = delete;

  /// Lists `job` from now on, also after it ended. A job id added twice
  /// replaces the earlier entry (its operation records stay). Any thread.
  void add_job(job_client job, rest_job_info info);

  /// Operation records currently kept (tests).
  size_t operation_count() const;

  // --- rest_backend (see rest_backend.hpp) -------------------------------
  // Unknown job ids answer not_found. End time: the first time a call sees
  // the job in a terminal status.

  /// Every job added, ordered by id.
  void list_jobs(rest_callback<std::vector<rest_job_overview>> done) override;
  void job_details(const std::string& job, rest_callback<rest_job_details> done) override;
  void checkpoint_stats(const std::string& job,
                        rest_callback<checkpoint_stats_snapshot> done) override;
  void checkpoint_config(const std::string& job,
                         rest_callback<rest_checkpoint_config> done) override;

  /// No target directory: the job's checkpointing.savepoint-dir, or
  /// bad_request when that is empty too. `cancel_job` takes the savepoint
  /// with savepoint_mode::stop (Flink's deprecated cancel-with-savepoint;
  /// the job ends FINISHED). Both formats are served with sluice's one,
  /// backend-independent (canonical) format. A repeated trigger id of the
  /// same job answers the recorded operation and starts nothing.
  void trigger_savepoint(const std::string& job, const rest_savepoint_request& req,
                         rest_callback<std::string> done) override;
  /// savepoint_mode::stop, or stop_and_drain with `drain`.
  void stop_with_savepoint(const std::string& job, const rest_stop_request& req,
                           rest_callback<std::string> done) override;
  /// A failed savepoint (also: job not running, no checkpointing) is
  /// phase::failed with job_client's message.
  void savepoint_status(const std::string& job, const std::string& trigger,
                        rest_callback<rest_operation_status> done) override;

  /// Flink's Dispatcher::cancelJob: a running job is asked to cancel; one
  /// already CANCELED answers done; one that ended otherwise (FINISHED,
  /// FAILED) answers bad_request (Flink's 409 "was not canceled, but
  /// instead ...").
  void cancel_job(const std::string& job, rest_callback<rest_done> done) override;

  /// CONFIGURED always; FULL unless the job checkpoints incrementally;
  /// INCREMENTAL only if it does (else bad_request).
  void trigger_checkpoint(const std::string& job, const rest_checkpoint_request& req,
                          rest_callback<std::string> done) override;
  void checkpoint_status(const std::string& job, const std::string& trigger,
                         rest_callback<rest_operation_status> done) override;

private:
  struct state;
  /// Shared with the operation callbacks (they hold it weakly).
  std::shared_ptr<state> state_;
};

} // namespace sluice
