// The REST endpoint's view of the jobs: an abstract, asynchronous backend
// that the router (rest_router.hpp) calls for every request that needs job
// data or acts on a job. Plain C++ with std types only: no CAF, no Asio, no
// JSON, so the header stays light and a test can fake it.
//
// Who implements it: the bridge actor's adapter (talks to job masters and
// checkpoint coordinators) and tests. Who calls it: `rest_router::handle`,
// on the REST server's io thread. Every method returns at once and reports
// through its completion callback exactly once, from ANY thread, at any
// later time (or synchronously, inside the call). The callback never blocks
// and never touches the router, so it may run after the server is gone.
// A method must not throw; if it does anyway, the router answers 500.
//
// Ids: job ids and trigger ids are 32 lowercase hex digits (Flink's JobID
// and TriggerId); the router validates them before calling, and rejects a
// trigger id the backend returns in another form (500).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "actors/checkpoint/checkpoint_config.hpp"
#include "actors/checkpoint/checkpoint_stats.hpp"
#include "actors/job/delivery_guarantee.hpp"
#include "actors/contract/job_status.hpp"

namespace sluice {

/// Why a backend call failed; the router turns it into an HTTP status and
/// Flink's `{"errors": [message]}`.
struct rest_error {
  enum class kind : uint8_t {
    /// 404: no such job, trigger id or checkpoint.
    not_found,
    /// 400: the request cannot be served as asked (e.g. a savepoint without
    /// a target directory and no `checkpointing.savepoint-dir`, a stop of a
    /// job that is not running).
    bad_request,
    /// 500: the backend failed (actor gone, timeout towards the job).
    internal,
  };

  kind what = kind::internal;
  /// Human-readable, shown to the client as is.
  std::string message;
};

/// A value or the reason there is none.
template <class T>
using rest_result = std::variant<T, rest_error>;

/// The completion callback of a backend call (see the file comment).
template <class T>
using rest_callback = std::function<void(rest_result<T>)>;

/// An action without a result value (cancel).
struct rest_done {};

/// One row of `GET /jobs` (Flink's JobIdWithStatus).
struct rest_job_overview {
  std::string id;
  job_status status = job_status::created;
};

/// `GET /jobs/{id}` (Flink's JobDetailsInfo, reduced, plus sluice's
/// failover counters).
struct rest_job_details {
  std::string id;
  std::string name;
  job_status status = job_status::created;
  std::chrono::system_clock::time_point start_time{};
  /// Set once the job reached a terminal status.
  std::optional<std::chrono::system_clock::time_point> end_time;
  uint32_t parallelism = 0;
  uint32_t max_parallelism = 0;
  /// Restarts, latest failure cause, downtime, restored checkpoint.
  job_restart_stats restarts;
  /// What the job guarantees for its state, and the sources that keep it
  /// at at-most-once (actors/job/delivery_guarantee.hpp).
  guarantee_report guarantee;
};

/// `GET /jobs/{id}/checkpoints/config`: the job's checkpointing options and
/// its state backend's name ("hashmap", "lmdb").
struct rest_checkpoint_config {
  checkpoint_config config;
  std::string state_backend;
};

/// Flink's SavepointFormatType.
enum class rest_savepoint_format : uint8_t { canonical, native };

/// Flink's CheckpointType of a manual checkpoint trigger.
enum class rest_checkpoint_type : uint8_t { configured, full, incremental };

/// `POST /jobs/{id}/savepoints` (Flink's SavepointTriggerRequestBody).
struct rest_savepoint_request {
  /// Unset: `checkpointing.savepoint-dir` (the backend answers bad_request
  /// when that is empty too).
  std::optional<std::string> target_directory;
  /// Cancel the job once the savepoint completed.
  bool cancel_job = false;
  /// Client-chosen trigger id (32 lowercase hex, validated): the backend
  /// uses it instead of drawing one; a repeated id may be answered with
  /// the same operation (idempotent retry).
  std::optional<std::string> trigger_id;
  rest_savepoint_format format = rest_savepoint_format::canonical;
};

/// `POST /jobs/{id}/stop` (Flink's StopWithSavepointRequestBody).
struct rest_stop_request {
  std::optional<std::string> target_directory;
  /// Emit MAX_WATERMARK before the final savepoint (end of event time).
  bool drain = false;
  std::optional<std::string> trigger_id;
  rest_savepoint_format format = rest_savepoint_format::canonical;
};

/// `POST /jobs/{id}/checkpoints` (Flink 1.19's CheckpointTriggerRequestBody).
struct rest_checkpoint_request {
  rest_checkpoint_type type = rest_checkpoint_type::configured;
  std::optional<std::string> trigger_id;
};

/// The state of an asynchronous operation (savepoint, stop, checkpoint)
/// behind a trigger id (Flink's AsynchronousOperationResult).
struct rest_operation_status {
  enum class phase : uint8_t { in_progress, completed, failed };

  phase state = phase::in_progress;
  /// Completed savepoint or stop-with-savepoint: where the savepoint lives.
  std::string location;
  /// Completed checkpoint trigger: the checkpoint's id.
  uint64_t checkpoint_id = 0;
  /// Failed: the cause, shown to the client.
  std::string failure_message;
};

/// Asynchronous access to the jobs (see the file comment for the rules
/// every method follows). `job` is always a syntactically valid job id; an
/// unknown one is answered with rest_error::kind::not_found.
class rest_backend {
public:
  virtual ~rest_backend() = default;

  /// Every job the runtime knows (running and terminated).
  virtual void list_jobs(rest_callback<std::vector<rest_job_overview>> done) = 0;

  virtual void job_details(const std::string& job, rest_callback<rest_job_details> done) = 0;

  /// A copy of the job's checkpoint statistics (checkpoint_stats::snapshot).
  virtual void checkpoint_stats(const std::string& job,
                                rest_callback<checkpoint_stats_snapshot> done) = 0;

  virtual void checkpoint_config(const std::string& job,
                                 rest_callback<rest_checkpoint_config> done) = 0;

  /// Starts a savepoint; answers with its trigger id as soon as it is
  /// accepted (not when it completes).
  virtual void trigger_savepoint(const std::string& job, const rest_savepoint_request& req,
                                 rest_callback<std::string> done) = 0;

  /// Starts stop-with-savepoint; its trigger id is looked up with
  /// `savepoint_status` like a savepoint's.
  virtual void stop_with_savepoint(const std::string& job, const rest_stop_request& req,
                                   rest_callback<std::string> done) = 0;

  /// Savepoint or stop-with-savepoint `trigger` of `job`; not_found for an
  /// unknown trigger id (or one of another job).
  virtual void savepoint_status(const std::string& job, const std::string& trigger,
                                rest_callback<rest_operation_status> done) = 0;

  /// Requests cancellation; answers once the request is accepted, not when
  /// the job is cancelled. Cancelling a cancelled job again succeeds; one
  /// that finished or failed answers bad_request naming its status (Flink's
  /// Dispatcher.cancelJob).
  virtual void cancel_job(const std::string& job, rest_callback<rest_done> done) = 0;

  /// Triggers a checkpoint outside the periodic schedule.
  virtual void trigger_checkpoint(const std::string& job, const rest_checkpoint_request& req,
                                  rest_callback<std::string> done) = 0;

  /// Checkpoint trigger `trigger` of `job`; not_found for an unknown one.
  virtual void checkpoint_status(const std::string& job, const std::string& trigger,
                                 rest_callback<rest_operation_status> done) = 0;
};

/// Whether `s` is 32 lowercase hex digits (a job id or trigger id).
inline bool is_rest_id(std::string_view s) noexcept {
  if (s.size() != 32)
    return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  return true;
}

/// A fresh random trigger id (32 lowercase hex digits), for backends.
/// Thread-safe (one generator per thread).
inline std::string make_trigger_id() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  static constexpr char digits[] = "0123456789abcdef";
  std::string id(32, '0');
  for (size_t i = 0; i < id.size(); i += 16) {
    uint64_t bits = gen();
    for (size_t j = 0; j < 16; ++j, bits >>= 4)
      id[i + j] = digits[bits & 0xf];
  }
  return id;
}

} // namespace sluice
